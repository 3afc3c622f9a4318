import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import {
  createIngestTestDb,
  ensurePartitions,
  meterId,
  smallTopology,
  TopologyRepository,
  verifyRollups,
} from '@gridwerk/ingest/data-access';
import { CSV_HEADER, importReadings } from '@gridwerk/ingest/feature';
import { integerFlag } from '@gridwerk/shared/util-config';
import { benchHelp, parseBenchFlags } from '../lib/bench-cli';
import { mib, PeakMemory } from '../lib/peak-memory';

/**
 * `npm run bench:import`: history import at scale. Writes `--days` of 15-minute readings for `--meters`
 * meters as one CSV file (the documented layout, time-ordered), imports it with `npm run ingest -- import`'s
 * use case (validation, COPY in large transactions with the checkpoint, rollups after each window), and
 * COPYs the same file raw into meter_reading of a second database. Prints one JSON object.
 */
const FLAGS = {
  meters: { kind: 'value', arg: 'N', help: 'meters (default 500)' },
  days: { kind: 'value', arg: 'N', help: 'days of quarter hours, ending two days ago (default 365)' },
  batch: { kind: 'value', arg: 'N', help: 'lines per import transaction and rollup window (default 100000)' },
  verify: { kind: 'boolean', help: 'also compare every rollup level with the raw rows afterwards' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies Parameters<typeof benchHelp>[2];

const HELP = benchHelp(
  'Usage: npm run bench:import [-- --meters N --days N --batch N --verify]',
  `Import of a year of 15-minute history (500 meters: 17.5 M rows) vs raw COPY of the same rows; target
import (with rollups) >= 0.5 x raw COPY. Uses TEST_DATABASE_URL's server (its storage mode), two throw-away
databases, and a temporary file of ~120 bytes a row.`,
  FLAGS,
);

const DAY = 86_400_000;
const QH = 900_000;
const log = (m: string): void => {
  process.stderr.write(`[bench:import] ${m}\n`);
};
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

/** The CSV, written with back-pressure, one quarter hour of every meter after the other. */
async function writeCsv(file: string, start: number, days: number, meters: number): Promise<number> {
  const out = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
  const write = (s: string): Promise<void> =>
    out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', () => r()));
  await write(`${CSV_HEADER}\n`);
  const ids = Array.from({ length: meters }, (_, m) => meterId(m));
  let rows = 0;
  for (let k = 0; k < days * 96; k++) {
    const s = new Date(start + k * QH).toISOString();
    const e = new Date(start + (k + 1) * QH).toISOString();
    let chunk = '';
    for (let m = 0; m < meters; m++) {
      const imp = (m * 7 + k * 13) % 400;
      const exp = m % 3 === 0 ? (m * 11 + k * 5) % 300 : 0;
      chunk += `${ids[m]},${s},${e},PT15M,${imp},${exp},${1_000_000 + k * 400},${500_000 + k * 300},measured\n`;
    }
    rows += meters;
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return rows;
}

async function main(): Promise<void> {
  const o = parseBenchFlags(FLAGS, HELP, (f) => ({
    meters: integerFlag('meters', f.meters, { min: 1, max: 100_000, fallback: 500 }),
    days: integerFlag('days', f.days, { min: 1, max: 390, fallback: 365 }),
    batch: integerFlag('batch', f.batch, { min: 1000, max: 10_000_000, fallback: 100_000 }),
    verify: f.verify === true,
  }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-bench-import-'));
  const file = path.join(dir, 'history.csv');
  const end = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
  const start = end - o.days * DAY;
  const imp = await createIngestTestDb('bench_import');
  const raw = await createIngestTestDb('bench_import_raw');
  try {
    await new TopologyRepository(imp.pool).upsertTopology(smallTopology(o.meters));
    const mode = (
      await imp.pool.query<{ value: string }>(
        `SELECT value FROM ingest_schema_info WHERE key = 'storage_mode'`,
      )
    ).rows[0]?.value;

    log(`writing ${o.days} days x ${o.meters} meters of quarter hours to ${file} ...`);
    let t0 = performance.now();
    const rows = await writeCsv(file, start, o.days, o.meters);
    const writeSeconds = (performance.now() - t0) / 1000;
    const fileBytes = fs.statSync(file).size;

    log(`importing ${rows} rows (${mode}) ...`);
    const mem = new PeakMemory();
    t0 = performance.now();
    const result = await importReadings(imp.pool, {
      file,
      format: 'csv',
      rejectFile: path.join(dir, 'rejects.ndjson'),
      batchLines: o.batch,
      progressEveryMs: 10_000,
      onProgress: (p) => log(`  ${p.lines} lines, ${p.linesPerSecond} lines/s, ETA ${p.etaSeconds ?? '?'} s`),
    });
    const importSeconds = (performance.now() - t0) / 1000;
    const importPeakRss = mem.stop();
    if (result.stored !== rows || result.rejected !== 0)
      throw new Error(`import stored ${result.stored} of ${rows} rows, rejected ${result.rejected}`);

    log('raw COPY of the same file into meter_reading ...');
    // partitions exist before the clock starts (the import creates its own inside its time);
    // event_id gets a default since the file has none: COPY straight from the CSV, nothing else
    await ensurePartitions(raw.pool, new Date(start), new Date(end));
    await raw.pool.query(`ALTER TABLE meter_reading ALTER COLUMN event_id SET DEFAULT ''`);
    const client = await raw.pool.connect();
    t0 = performance.now();
    try {
      await pipeline(
        fs.createReadStream(file, { highWaterMark: 1 << 20 }),
        client.query(
          copyFrom(
            `COPY meter_reading (meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh,
               register_import_wh, register_export_wh, quality) FROM STDIN WITH (FORMAT csv, HEADER true)`,
          ),
        ),
      );
    } finally {
      client.release();
    }
    const rawSeconds = (performance.now() - t0) / 1000;

    let verify: { differing: number; pendingHours: number; seconds: number } | undefined;
    if (o.verify) {
      log('verifying every rollup level against the raw rows ...');
      const v0 = performance.now();
      const v = await verifyRollups(imp.pool, { from: new Date(start), to: new Date(end), limit: 3 });
      verify = {
        differing: v.differing,
        pendingHours: v.pendingHours,
        seconds: round((performance.now() - v0) / 1000),
      };
    }
    const importRowsPerSecond = rows / importSeconds;
    const rawRowsPerSecond = rows / rawSeconds;
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'import',
        storageMode: mode,
        meters: o.meters,
        days: o.days,
        rows,
        fileMiB: mib(fileBytes),
        batchLines: o.batch,
        phases: {
          writeFile: { seconds: round(writeSeconds), rowsPerSecond: Math.round(rows / writeSeconds) },
          import: {
            seconds: round(importSeconds),
            rowsPerSecond: Math.round(importRowsPerSecond),
            rollupSeconds: round(result.rollupMs / 1000),
            batches: result.batches,
          },
          rawCopy: { seconds: round(rawSeconds), rowsPerSecond: Math.round(rawRowsPerSecond) },
        },
        ratio: round(importRowsPerSecond / rawRowsPerSecond, 3),
        target: 0.5,
        importPeakRssMiB: mib(importPeakRss),
        ...(verify ? { verify } : {}),
        machine: { cpus: os.cpus().length, loadAverage1m: round(os.loadavg()[0] ?? 0, 2) },
      })}\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await imp.close();
    await raw.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:import failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
