import { JsonLogger, NestJsonLogger, withLogContext } from './json-logger';

function capture(level: 'debug' | 'info' = 'info'): { logger: JsonLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger({ service: 'ingest', level, write: (l) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with service, level and fields', () => {
    const { logger, lines } = capture();
    logger.child({ context: 'Consumer' }).info('batch stored', { rows: 500 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'ingest',
      context: 'Consumer',
      msg: 'batch stored',
      rows: 500,
    });
    expect(typeof lines[0]?.['time']).toBe('string');
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture('info');
    logger.debug('noise');
    logger.warn('kept');
    expect(lines.map((l) => l['msg'])).toEqual(['kept']);
  });

  it('carries the correlation id of the surrounding context, also across awaits', async () => {
    const { logger, lines } = capture();
    await withLogContext({ correlationId: 'c-42' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]?.['correlationId']).toBe('c-42');
    expect(lines[1]?.['correlationId']).toBeUndefined();
  });

  it('adapts NestJS logger calls, including errors and contexts', () => {
    const { logger, lines } = capture();
    const nest = new NestJsonLogger(logger);
    nest.log('Nest application successfully started', 'NestApplication');
    nest.error(new Error('boom'), 'Bootstrap');
    expect(lines[0]).toMatchObject({
      level: 'info',
      context: 'NestApplication',
      msg: 'Nest application successfully started',
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      context: 'Bootstrap',
      msg: 'boom',
      error: { name: 'Error', message: 'boom' },
    });
  });
});
