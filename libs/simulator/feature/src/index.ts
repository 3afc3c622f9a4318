export {
  encodeReading,
  encodeStep,
  encodeTelemetry,
  encodeWeatherForecast,
  SIMULATOR_SOURCE,
} from './event-encoder';
export { FileEventSink } from './file-sink';
export { KafkaEventSink } from './kafka-sink';
export { ParallelKafkaEventSink } from './parallel-kafka-sink';
export type { EventSink } from './kafka-sink';
export { ProgressReporter } from './progress';
export { abortableSleep, SimulationRunner } from './simulation-runner';
export type { Clock, RunOptions, RunResult, SimulationMode } from './simulation-runner';
