import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createIngestTestDb,
  IngestTestDb,
  meterId,
  smallTopology,
  TopologyRepository,
  verifyRollups,
} from '@gridwerk/ingest/data-access';
import { CSV_HEADER } from '@gridwerk/ingest/feature';
import { runAppCli } from './app-cli';

/**
 * `npm run ingest -- import` killed with SIGKILL in the middle of a file and run again: the resumed
 * import ends with every line accounted for exactly once (stored + rejected + header = lines), no reading
 * stored twice, no reject written twice, and rollups equal to a recomputation from the raw rows.
 */
jest.setTimeout(240_000);

const DAY = 86_400_000;
const QH = 900_000;
const METERS = 40;
const DAYS = 8;
const root = path.resolve(__dirname, '..', '..');

interface Expected {
  lines: number;
  readings: number;
  keys: number;
  rejectLines: number[];
}

/** Quarter hours of METERS meters over DAYS days, time-ordered, with bad lines and one correction. */
function writeCsv(file: string, start: number): Expected {
  const out = fs.createWriteStream(file);
  let text = `${CSV_HEADER}\n`;
  let line = 1;
  let readings = 0;
  const rejectLines: number[] = [];
  for (let k = 0; k < DAYS * 96; k++) {
    const s = new Date(start + k * QH).toISOString();
    const e = new Date(start + (k + 1) * QH).toISOString();
    for (let m = 0; m < METERS; m++) {
      line += 1;
      if ((k * METERS + m) % 997 === 500) {
        // a negative energy (contract) or a wrong field count (layout), alternately
        text +=
          rejectLines.length % 2 === 0
            ? `${meterId(m)},${s},${e},PT15M,-5,0,1,0,measured\n`
            : `${meterId(m)},${s}\n`;
        rejectLines.push(line);
      } else {
        text += `${meterId(m)},${s},${e},PT15M,${(m * 7 + k * 13) % 400},${m % 3 === 0 ? (m + k) % 50 : 0},${1_000_000 + k * 400},${500_000 + k * 50},${k % 10 === 0 ? 'estimated' : 'measured'}\n`;
        readings += 1;
      }
    }
    if (text.length > 1 << 16) {
      out.write(text);
      text = '';
    }
  }
  // a later measured value for an interval of the first day: a correction (new version, becomes current)
  text += `${meterId(3)},${new Date(start).toISOString()},${new Date(start + QH).toISOString()},PT15M,999,0,1000000,500000,measured\n`;
  line += 1;
  readings += 1;
  out.end(text);
  return { lines: line, readings, keys: readings - 1, rejectLines };
}

function spawnImport(args: string[], env: Record<string, string>) {
  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/ingest/src/cli.ts',
      ...args,
    ],
    {
      cwd: root,
      env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

async function count(t: IngestTestDb, sql: string): Promise<number> {
  const r = await t.pool.query<{ n: string }>(sql);
  return Number(r.rows[0]?.n ?? NaN);
}

describe('npm run ingest -- import: SIGKILL midway, then resume', () => {
  let t: IngestTestDb;
  let dir: string;

  beforeAll(async () => {
    t = await createIngestTestDb('ingest_import_resume');
    await new TopologyRepository(t.pool).upsertTopology(smallTopology(METERS));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-import-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses no line and doubles none, and its rollups equal a recomputation', async () => {
    const start = Math.floor(Date.now() / DAY) * DAY - 20 * DAY;
    const file = path.join(dir, 'history.csv');
    const rejects = path.join(dir, 'history.rejects.ndjson');
    const expected = writeCsv(file, start);
    await new Promise((r) => setTimeout(r, 50)); // the write stream has flushed (end() is asynchronous)
    const args = ['import', '--file', file, '--rejects', rejects, '--batch', '1500'];
    const env = { DATABASE_URL: t.db.url };

    // first run: killed as soon as at least one batch is committed, long before the end
    const child = spawnImport(args, env);
    child.stdout.resume();
    child.stderr.resume();
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_c, sig) => resolve(sig)),
    );
    let committedLines = 0;
    for (const until = Date.now() + 120_000; committedLines === 0 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 20));
      const r = await t.pool
        .query<{ lines: string }>(`SELECT lines FROM ingest_import_checkpoint`)
        .catch(() => ({ rows: [] as { lines: string }[] }));
      committedLines = Number(r.rows[0]?.lines ?? 0);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(committedLines).toBeGreaterThan(0);

    // what the crash left: exactly the committed checkpoint's rows, and the run had not finished
    const cp = (
      await t.pool.query<{ lines: string; stored: string; completed_at: Date | null }>(
        `SELECT lines, stored, completed_at FROM ingest_import_checkpoint`,
      )
    ).rows[0];
    expect(cp?.completed_at).toBeNull();
    expect(Number(cp?.lines)).toBeLessThan(expected.lines);
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_version')).toBe(Number(cp?.stored));

    // second run: resumes and completes
    const resumed = await runAppCli('ingest', [...args, '--json', '--no-progress'], env, 180_000);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    const result = JSON.parse(resumed.stdout) as Record<string, number | boolean>;
    expect(result['resumedAtLine']).toBe(Number(cp?.lines) + 1);
    expect(result).toMatchObject({
      lines: expected.lines,
      stored: expected.readings,
      rejected: expected.rejectLines.length,
      skipped: 1,
      alreadyComplete: false,
    });
    expect(Number(result['stored']) + Number(result['rejected']) + Number(result['skipped'])).toBe(
      expected.lines,
    );

    // no reading lost or doubled: one version per valid line, one current value per key, ids unique
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_version')).toBe(expected.readings);
    expect(await count(t, 'SELECT count(DISTINCT event_id) AS n FROM meter_reading_version')).toBe(
      expected.readings,
    );
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading')).toBe(expected.keys);
    const corrected = await t.pool.query<{ import_wh: string; quality: string }>(
      `SELECT import_wh, quality FROM meter_reading WHERE meter_point_id = $1 AND interval_start = $2`,
      [meterId(3), new Date(start)],
    );
    expect(corrected.rows[0]).toEqual({ import_wh: '999', quality: 'measured' });

    // every reject once, with its line number and reason, none of a rolled-back batch left twice
    const rejected = fs
      .readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; code: string });
    expect(rejected.map((r) => r.line)).toEqual(expected.rejectLines);
    expect(new Set(rejected.map((r) => r.code))).toEqual(new Set(['CONTRACT.INVALID', 'CSV.FIELD_COUNT']));

    // rollups: every level equals a recomputation from the raw rows, nothing pending
    const v = await verifyRollups(t.pool, {
      from: new Date(start),
      to: new Date(start + DAYS * DAY),
      limit: 5,
    });
    expect(v.differing).toBe(0);
    expect(v.pendingHours).toBe(0);
    expect(v.levels.every((l) => l.expectedBuckets > 0)).toBe(true);

    // a third run finds the file imported and does nothing
    const again = await runAppCli('ingest', [...args, '--json', '--no-progress'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyComplete: true, stored: expected.readings });
    expect(await count(t, 'SELECT count(*) AS n FROM meter_reading_version')).toBe(expected.readings);
  });

  it("imports the simulator's own output (--out): every reading once, every malformed one rejected", async () => {
    const out = path.join(dir, 'simulated');
    const start = new Date(Math.floor(Date.now() / DAY) * DAY - 10 * DAY).toISOString();
    const sim = await runAppCli(
      'simulator',
      [
        '--meters',
        '60',
        '--days',
        '2',
        '--start',
        start,
        '--seed',
        '7',
        '--faults',
        'malformed=0.01,duplicate=0.01',
        '--out',
        out,
        '--json',
        '--no-progress',
      ],
      {},
    );
    expect([sim.code, sim.stderr]).toEqual([0, '']);
    const summary = JSON.parse(sim.stdout) as {
      readingsGenerated: number;
      faults: { malformed: number; duplicated: number };
      files: { topic: string; file: string; messages: number }[];
    };
    const readings = summary.files.find((f) => f.topic === 'grid.meter.readings.v1');
    expect(readings?.messages).toBe(summary.readingsGenerated + summary.faults.duplicated);
    expect(summary.faults.malformed).toBeGreaterThan(0);
    expect(summary.faults.duplicated).toBeGreaterThan(0);
    const file = readings?.file ?? '';
    expect(fs.readFileSync(file, 'utf8').split('\n').length - 1).toBe(readings?.messages);

    const sims = await createIngestTestDb('ingest_import_simulated');
    try {
      // the simulator's topology for the same seed, so that the rollups cover its meters
      const topo = await runAppCli(
        'simulator',
        ['--meters', '60', '--seed', '7', '--write-topology', '--topology-only'],
        { DATABASE_URL: sims.db.url },
      );
      expect(topo.code).toBe(0);
      const run = await runAppCli(
        'ingest',
        ['import', '--file', file, '--format', 'cloudevents', '--json', '--no-progress'],
        { DATABASE_URL: sims.db.url },
      );
      expect([run.code, run.stderr]).toEqual([0, '']);
      const result = JSON.parse(run.stdout) as Record<string, number>;
      expect(result).toMatchObject({
        lines: readings?.messages,
        rejected: summary.faults.malformed,
        stored: (readings?.messages ?? 0) - summary.faults.malformed,
      });
      // a duplicate is stored once: one reading per generated, well-formed reading
      expect(await count(sims, 'SELECT count(*) AS n FROM meter_reading')).toBe(
        summary.readingsGenerated - summary.faults.malformed,
      );
      const v = await verifyRollups(sims.pool, {
        from: new Date(start),
        to: new Date(Date.parse(start) + 2 * DAY),
        limit: 5,
      });
      expect([v.differing, v.pendingHours]).toEqual([0, 0]);
      expect(v.levels.every((l) => l.expectedBuckets > 0)).toBe(true);
    } finally {
      await sims.close();
    }
  });
});
