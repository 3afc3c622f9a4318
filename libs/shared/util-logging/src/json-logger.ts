import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Structured JSON logs, one object per line, with the correlation id of the work in hand.
 * Implements NestJS's LoggerService shape without depending on Nest, so CLIs and jobs use the same logger.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export interface LogContext {
  correlationId?: string;
  [key: string]: unknown;
}

const contextStore = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with fields (e.g. correlationId) attached to every log line written inside it. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return contextStore.run({ ...contextStore.getStore(), ...ctx }, fn);
}

export function currentLogContext(): LogContext | undefined {
  return contextStore.getStore();
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default (Kubernetes collects it). */
  write?: (line: string) => void;
}

function errorFields(value: unknown): Record<string, unknown> | undefined {
  if (value instanceof Error) {
    const code = (value as Error & { code?: unknown }).code;
    return {
      error: {
        name: value.name,
        message: value.message,
        ...(code !== undefined ? { code } : {}),
        stack: value.stack,
      },
    };
  }
  return undefined;
}

export class JsonLogger {
  private readonly min: number;
  private readonly write: (line: string) => void;

  constructor(
    private readonly opts: LoggerOptions,
    private readonly bound: Record<string, unknown> = {},
  ) {
    this.min = ORDER[opts.level ?? 'info'];
    this.write = opts.write ?? ((line) => process.stdout.write(line + '\n'));
  }

  /** A logger that adds these fields to every line (e.g. { context: 'IngestConsumer' }). */
  child(fields: Record<string, unknown>): JsonLogger {
    return new JsonLogger(this.opts, { ...this.bound, ...fields });
  }

  isEnabled(level: LogLevel): boolean {
    return ORDER[level] >= this.min;
  }

  emit(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.isEnabled(level)) return;
    const record = {
      time: new Date().toISOString(),
      level,
      service: this.opts.service,
      ...this.bound,
      ...contextStore.getStore(),
      msg,
      ...fields,
    };
    this.write(JSON.stringify(record));
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit('error', msg, fields);
  }
  fatal(msg: string, fields?: Record<string, unknown>): void {
    this.emit('fatal', msg, fields);
  }
}

/**
 * Adapter for NestJS's LoggerService (log/error/warn/debug/verbose with optional context as the
 * last argument).
 */
export class NestJsonLogger {
  constructor(private readonly logger: JsonLogger) {}

  private split(params: unknown[]): { context?: string; extra: Record<string, unknown> } {
    const extra: Record<string, unknown> = {};
    let context: string | undefined;
    const rest = [...params];
    if (typeof rest[rest.length - 1] === 'string') context = rest.pop() as string;
    for (const p of rest) {
      const e = errorFields(p);
      if (e) Object.assign(extra, e);
      else if (typeof p === 'string') extra['stack'] = p;
      else if (p !== undefined) extra['detail'] = p;
    }
    return { ...(context !== undefined ? { context } : {}), extra };
  }

  private out(level: LogLevel, message: unknown, params: unknown[]): void {
    const { context, extra } = this.split(params);
    const msg =
      typeof message === 'string'
        ? message
        : message instanceof Error
          ? message.message
          : JSON.stringify(message);
    this.logger.emit(level, msg, {
      ...(context !== undefined ? { context } : {}),
      ...errorFields(message),
      ...extra,
    });
  }

  log(message: unknown, ...params: unknown[]): void {
    this.out('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.out('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.out('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.out('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.out('debug', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.out('fatal', message, params);
  }
}

export function createLogger(service: string, level: LogLevel = 'info'): JsonLogger {
  return new JsonLogger({ service, level });
}
