export { controlRoomConfigSpec, CONTROL_ROOM_CONFIG } from './lib/control-room.config';
export type { ControlRoomConfig, ControlRoomSettings } from './lib/control-room.config';
export { ControlRoomModule } from './lib/control-room.module';
export { ControlRoomRuntime } from './lib/engine/control-room.runtime';
export { alertOutboxMessage } from './lib/alert-event';
export { LiveLoad } from './lib/live/live-load';
export type { LiveNodeValue, LiveTopology } from './lib/live/live-load';
export { PerimeterService } from './lib/services';
export { sseFrame, StreamHub } from './lib/stream/stream-hub';
