import {
  createIngestTestDb,
  IngestTestDb,
  MeterReadingWriter,
  meterId,
  quarterHourReadings,
  rebuildLoadRollups,
  refreshRollupsNow,
  smallTopology,
  TopologyRepository,
} from '@gridwerk/ingest/data-access';
import { type CliResult, runAppCli } from './app-cli';

/**
 * `npm run ingest -- verify-rollups` as an operator runs it, against a real database in whichever
 * storage mode it has (native in CI): exit 0 when every level equals the raw rows, 3 with the
 * differing buckets named, 2 for bad flags.
 */
jest.setTimeout(120_000);

const DAY = 86_400_000;

function ingestCli(args: string[], databaseUrl: string): Promise<CliResult> {
  return runAppCli('ingest', args, { DATABASE_URL: databaseUrl });
}

describe('npm run ingest -- verify-rollups', () => {
  let t: IngestTestDb;
  const day = new Date(Math.floor(Date.now() / DAY) * DAY - 2 * DAY);
  const from = new Date(day.getTime() - 31 * DAY).toISOString();
  const to = new Date(day.getTime() + DAY).toISOString();

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_verify_cli');
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(16));
    const writer = new MeterReadingWriter(t.pool);
    await writer.writeReadings(quarterHourReadings(day, 8, 0, 16));
    // 30 days old: a backfill far behind the present
    await writer.writeReadings(quarterHourReadings(new Date(day.getTime() - 28 * DAY), 4, 0, 8, 'old'));
    await refreshRollupsNow(t.pool);
    await rebuildLoadRollups(t.pool, new Date(from), new Date(to));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exits 0 when every level equals the raw rows', async () => {
    const r = await ingestCli(['verify-rollups', '--from', from, '--to', to], t.db.url);
    expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
    expect(r.stdout).toMatch(/load_15m_feeder\s+\d+ buckets\s+equal/);
    expect(r.stdout).toMatch(/every level equals the raw rows/);
  });

  it('exits 3 and names the differing buckets after a meter moved without a rebuild; 0 again after one', async () => {
    await t.pool.query('UPDATE meter_point SET secondary_substation_id = $2 WHERE id = $1', [
      meterId(1),
      'UW-02-F02-ONS2',
    ]);
    const text = await ingestCli(['verify-rollups', '--from', from, '--to', to, '--limit', '2'], t.db.url);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/load_15m_feeder\s+\d+ buckets\s+24 differ/); // 12 quarter hours x 2 feeders
    expect(text.stdout).toMatch(/different UW-01-F01 \S+: raw rows import \d+ Wh/);
    expect(text.stdout).toMatch(/\.\.\. and 22 more/);
    const json = await ingestCli(['verify-rollups', '--from', from, '--to', to, '--json'], t.db.url);
    expect(json.code).toBe(3);
    const v = JSON.parse(json.stdout) as {
      differing: number;
      levels: { relation: string; differing: number }[];
    };
    expect(v.differing).toBeGreaterThan(0);
    expect(v.levels.find((l) => l.relation === 'load_1h_substation')?.differing).toBe(3 * 2); // 3 hours (2 recent, 1 old) on both substations

    await rebuildLoadRollups(t.pool, new Date(from), new Date(to));
    expect((await ingestCli(['verify-rollups', '--from', from, '--to', to], t.db.url)).code).toBe(0);
  });

  it('exits 2 with one line naming the flag', async () => {
    for (const args of [
      ['verify-rollups', '--from', from],
      ['verify-rollups', '--from', '2026-13-01', '--to', to],
      ['verify-rollups', '--from', '2026-11-01T10:00', '--to', to],
      ['verify-rollups', '--from', to, '--to', from],
      ['verify-rollups', '--from', from, '--to', to, '--limit', 'many'],
    ]) {
      const r = await ingestCli(args, t.db.url);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--(from|to|limit)/);
    }
  });
});
