export { createLogger, currentLogContext, JsonLogger, NestJsonLogger, withLogContext } from './json-logger';
export type { LogContext, LoggerOptions, LogLevel } from './json-logger';
