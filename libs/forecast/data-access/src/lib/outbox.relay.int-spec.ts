import { createTestDatabase, TestDatabase } from '@gridwerk/shared/data-access-database';
import { Pool } from 'pg';
import { buildForecastIssuedEvent, toContractPoints } from './forecast-event';
import { createForecastPool, runForecastMigrations } from './forecast-db';
import { type ForecastIssue, ForecastIssueRepository } from './forecast-issue.repository';
import { pendingOutboxCount, relayOutbox } from './outbox.relay';
import { parseSeriesId } from './series-id';

/** Transactional issue writes and the outbox relay against real PostgreSQL (publisher: a recorder). */
let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('forecast_outbox');
  expect(await runForecastMigrations(db.url)).toEqual([
    'ForecastTables1731000000000',
    'ForecastReplaced1765000000000',
    'SecondarySubstationSeries1765000000100',
    'WeatherForecasts1765000000200',
    'GlobalModels1765000000500',
  ]);
  expect(await runForecastMigrations(db.url)).toEqual([]);
  pool = createForecastPool(db.url);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function issue(seriesId: string, issueTime: string): ForecastIssue {
  const ref = parseSeriesId(seriesId);
  const t = Date.parse(issueTime) + 3_600_000;
  const points = toContractPoints(
    [0, 1, 2, 3].map((k) => ({
      targetMs: t + k * 900_000,
      p10: 10 * k,
      p50: 10 * k + 5,
      p90: 10 * k + 9,
      // The guard's fallback points keep their reason through the event, the table and the read model.
      ...(k === 0 ? { replaced: 'envelope' as const } : {}),
    })),
  );
  const event = buildForecastIssuedEvent(ref, 'intraday', issueTime, 'v1', points, Date.parse(issueTime));
  return { seriesId: ref.id, horizon: 'intraday', issueTime, modelVersion: 'v1', points, event };
}

describe('forecast issues and the outbox relay', () => {
  it('commits rows, run record and event together, once per series/horizon/issue time', async () => {
    const repo = new ForecastIssueRepository(pool);
    expect(
      await repo.write([
        issue('feeder:A', '2025-03-20T09:00:00Z'),
        issue('feeder:B', '2025-03-20T09:00:00Z'),
      ]),
    ).toEqual(['feeder:A', 'feeder:B']);
    // A repeated write (a rerun, or a concurrent run) writes nothing for issues that exist.
    expect(
      await repo.write([
        issue('feeder:A', '2025-03-20T09:00:00Z'),
        issue('feeder:A', '2025-03-20T09:15:00Z'),
      ]),
    ).toEqual(['feeder:A']);
    const counts = await pool.query<{ v: string; r: string; o: string }>(
      'SELECT (SELECT count(*) FROM forecast_value) AS v, (SELECT count(*) FROM forecast_run) AS r, (SELECT count(*) FROM forecast_outbox) AS o',
    );
    expect(counts.rows[0]).toEqual({ v: '12', r: '3', o: '3' });
    expect(
      await repo.existingRuns(['feeder:A', 'feeder:B', 'feeder:C'], 'intraday', '2025-03-20T09:00:00Z'),
    ).toEqual(new Set(['feeder:A', 'feeder:B']));
  });

  it('leaves rows unpublished when the broker fails, publishes them on the next relay, and then nothing more', async () => {
    const failing = { send: () => Promise.reject(new Error('broker down')) };
    await expect(relayOutbox(pool, failing)).rejects.toThrow('broker down');
    expect(await pendingOutboxCount(pool)).toBe(3);

    const sent: { topic: string; key: string; id: string }[] = [];
    const recorder = {
      send: (topic: string, messages: { key: string; value: string }[]) => {
        for (const m of messages)
          sent.push({ topic, key: m.key, id: (JSON.parse(m.value) as { id: string }).id });
        return Promise.resolve();
      },
    };
    expect(await relayOutbox(pool, recorder, { batchSize: 2 })).toEqual({ published: 3, batches: 2 });
    expect(sent).toEqual([
      { topic: 'grid.forecasts.v1', key: 'feeder:A', id: 'feeder:A/intraday/2025-03-20T09:00:00Z' },
      { topic: 'grid.forecasts.v1', key: 'feeder:B', id: 'feeder:B/intraday/2025-03-20T09:00:00Z' },
      { topic: 'grid.forecasts.v1', key: 'feeder:A', id: 'feeder:A/intraday/2025-03-20T09:15:00Z' },
    ]);
    expect(await relayOutbox(pool, recorder)).toEqual({ published: 0, batches: 0 });
    expect(sent).toHaveLength(3);
  });

  it('returns the latest issue per target step', async () => {
    const repo = new ForecastIssueRepository(pool);
    const pts = await repo.latestPoints(
      'feeder:A',
      'intraday',
      Date.parse('2025-03-20T10:00:00Z'),
      Date.parse('2025-03-20T11:00:00Z'),
    );
    // 10:00..10:45 from the 09:00 issue, 10:15.. overridden by the 09:15 issue.
    expect(pts.map((p) => [p.targetStart, p.issueTime])).toEqual([
      ['2025-03-20T10:00:00Z', '2025-03-20T09:00:00Z'],
      ['2025-03-20T10:15:00Z', '2025-03-20T09:15:00Z'],
      ['2025-03-20T10:30:00Z', '2025-03-20T09:15:00Z'],
      ['2025-03-20T10:45:00Z', '2025-03-20T09:15:00Z'],
    ]);
    // The first point of each issue is replaced: 10:00 (09:00 issue) and 10:15 (09:15 issue).
    expect(pts.map((p) => p.replaced ?? null)).toEqual(['envelope', 'envelope', null, null]);
  });
});
