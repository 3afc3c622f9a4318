import { cfg, ConfigError, describeConfig, loadConfig } from './service.config';

const spec = {
  port: cfg.port('HTTP_PORT', 'HTTP port', 3000),
  brokers: cfg.list('KAFKA_BROKERS', 'Kafka bootstrap servers'),
  db: cfg.url('DATABASE_URL', 'PostgreSQL URL', ['postgres', 'postgresql']),
  mode: cfg.oneOf('MODE', 'run mode', ['fast', 'slow'] as const, 'fast'),
  verbose: cfg.bool('VERBOSE', 'verbose output', false),
  token: cfg.optional(cfg.secret('TOKEN', 'API token')),
};

describe('loadConfig', () => {
  it('parses values and applies defaults', () => {
    const c = loadConfig('svc', spec, {
      KAFKA_BROKERS: 'a:1, b:2',
      DATABASE_URL: 'postgres://u@h:5432/d',
      VERBOSE: 'yes',
    });
    expect(c).toEqual({
      port: 3000,
      brokers: ['a:1', 'b:2'],
      db: 'postgres://u@h:5432/d',
      mode: 'fast',
      verbose: true,
      token: undefined,
    });
  });

  it('names every missing or bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig('ingest', spec, { HTTP_PORT: '70000', MODE: 'medium', DATABASE_URL: 'mysql://secret@x/y' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/HTTP_PORT must be <= 65535/);
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS is missing/);
    expect(problems.join('\n')).toMatch(/MODE must be one of fast, slow/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must use postgres or postgresql/);
    expect((error as Error).message).not.toContain('secret');
  });

  it('rejects non-integers', () => {
    expect(() => loadConfig('svc', { n: cfg.int('N', 'n') }, { N: '1.5' })).toThrow(/N must be an integer/);
  });

  it('describes the spec as a markdown table', () => {
    const md = describeConfig(spec);
    expect(md).toContain('| `HTTP_PORT` | `3000` | HTTP port |');
    expect(md.split('\n')).toHaveLength(2 + Object.keys(spec).length);
  });
});
