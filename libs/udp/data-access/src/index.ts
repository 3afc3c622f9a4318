export { UDP_MIGRATIONS, UdpTables1734000000000 } from './lib/udp-tables.migration';
export { readTopology } from './lib/topology.reader';
export { PgObservationSource, ROLLUP_VIEW } from './lib/observation.source';
export { detectNewObservations, pendingObservations, relayObservations } from './lib/live-observations';
export type { ObservationPublisher } from './lib/live-observations';
export { MqttObservationPublisher } from './lib/mqtt.publisher';
export type { MqttSettings } from './lib/mqtt.publisher';
export { GatewayRuntime } from './lib/gateway.runtime';
export type { GatewayRuntimeEvents, GatewayRuntimeSettings } from './lib/gateway.runtime';
