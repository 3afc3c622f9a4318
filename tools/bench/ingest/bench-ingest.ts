import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { integerFlag } from '@gridwerk/shared/util-config';
import { benchHelp, parseBenchFlags } from '../lib/bench-cli';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { MeterReading } from '@gridwerk/contracts';
import { INGEST_MIGRATIONS } from '@gridwerk/ingest/data-access';
import { createTestDatabase, postgresDataSourceOptions } from '@gridwerk/shared/data-access-database';
import { builtInProfiles, createGridSimulation } from '@gridwerk/simulator/domain';
import { encodeReading, ParallelKafkaEventSink } from '@gridwerk/simulator/feature';
import { IngestProcess } from '../../e2e/service-process';
import { benchLog, withBenchTopics } from '../lib/bench-kafka';
import { mib, PeakMemory } from '../lib/peak-memory';

/**
 * Ingest benchmark: N readings in the real broker, then
 *  (a) raw consume rate of that topic with kafkajs, no database;
 *  (b) raw COPY rate of the same rows into the same table (meter_reading) with pg, the median of
 *      `--copy-runs` passes (each from a checkpoint, as the end-to-end phase is);
 *  (c) end-to-end rate through the ingest service (a real process: consume, validate, COPY, commit);
 * ratio = c / min(a, b). Prints one JSON object.   npm run bench:ingest [-- --rows 1000000]
 * The service runs as deployed: the compiled bundle (dist/apps/ingest, built by the npm script) with
 * plain node; `--sources` runs it through ts-node instead (its RSS then includes the TypeScript compiler
 * in every consumer thread). `changes` in the JSON is the measured before/after of every change made to
 * this path for its target (tools/bench/ingest/changes.json, kept by hand with the commit of each).
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const CHANGES_FILE = path.join(__dirname, 'changes.json');
const TARGET = { ratio: 0.8, servicePeakRssMiB: 512 };
const log = benchLog;

const FLAGS = {
  rows: { kind: 'value', arg: 'N', help: 'readings produced (default 1000000)' },
  'batch-rows': { kind: 'value', arg: 'N', help: 'rows per database transaction (default 10000)' },
  concurrency: { kind: 'value', arg: 'N', help: 'partitions processed at once per consumer (default 2)' },
  'copy-runs': {
    kind: 'value',
    arg: 'N',
    help: 'raw COPY passes; the ratio uses their median (default 3: one pass swung 84-149 k rows/s)',
  },
  sources: { kind: 'boolean', help: 'run the service from its TypeScript sources through ts-node' },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const;

const HELP = benchHelp(
  'Usage: npm run bench:ingest -- [options]',
  'Raw consume rate, raw COPY rate and the end-to-end rate through the ingest service, with their ratio.',
  FLAGS,
);

async function main(): Promise<void> {
  const values = parseBenchFlags(FLAGS, HELP, (f) => ({
    rows: integerFlag('rows', f.rows, { min: 1, max: 1_000_000_000, fallback: 1_000_000 }),
    'batch-rows': String(
      integerFlag('batch-rows', f['batch-rows'], { min: 1, max: 1_000_000, fallback: 10_000 }),
    ),
    concurrency: String(integerFlag('concurrency', f.concurrency, { min: 1, max: 64, fallback: 2 })),
    copyRuns: integerFlag('copy-runs', f['copy-runs'], { min: 1, max: 9, fallback: 3 }),
    sources: f.sources === true,
  }));
  const compiled = !values.sources;
  if (compiled && !fs.existsSync(path.join(ROOT, 'dist/apps/ingest/main.js')))
    throw new Error(
      'dist/apps/ingest/main.js is missing: run `npx nx run ingest:build` (npm run bench:ingest does)',
    );
  const target = values.rows;
  await withBenchTopics(
    'ingest',
    { readings: 6, telemetry: 1 },
    async ({ kafka, client, brokers, topics }) => {
      const suffix = Date.now().toString(36);
      const db = await createTestDatabase('bench_ingest');
      const mem = new PeakMemory();
      try {
        // 0. produce N readings (a day of 15-minute readings of N/96 meters)
        const meters = Math.ceil(target / 96);
        const sim = createGridSimulation({
          seed: 1,
          meters,
          start: '2026-03-02T00:00:00Z',
          days: 1,
          resolutionMinutes: 15,
          profiles: builtInProfiles(),
        });
        const sink = new ParallelKafkaEventSink(kafka, client, {
          workers: 2,
          chunkSize: 5_000,
          inFlightPerWorker: 3,
        });
        await sink.connect([topics.readings]);
        const rows: MeterReading[] = [];
        let produced = 0;
        const tp = Date.now();
        for (let s = sim.nextStep(); s && produced < target; s = sim.nextStep()) {
          const batch = s.readings.slice(0, target - produced);
          rows.push(...batch);
          await sink.send(topics.readings, batch.map(encodeReading));
          produced += batch.length;
        }
        await sink.close();
        log(`produced ${produced} readings in ${((Date.now() - tp) / 1000).toFixed(1)} s`);

        // (a) raw consume
        const consumer = kafka.consumer({
          groupId: `bench-raw-${suffix}`,
          maxBytes: 32 << 20,
          maxBytesPerPartition: 8 << 20,
        });
        await consumer.connect();
        await consumer.subscribe({ topic: topics.readings, fromBeginning: true });
        let consumed = 0;
        const ta = Date.now();
        await new Promise<void>((resolve) => {
          void consumer.run({
            eachBatch: async ({ batch }) => {
              consumed += batch.messages.length;
              if (consumed >= produced) resolve();
            },
          });
        });
        const aSeconds = (Date.now() - ta) / 1000;
        await consumer.disconnect();
        const a = produced / aSeconds;
        log(`(a) raw consume: ${Math.round(a)} rows/s`);

        // (b) raw COPY into meter_reading of a migrated database
        const ds = new DataSource(
          postgresDataSourceOptions({ url: db.url, applicationName: 'bench', migrations: INGEST_MIGRATIONS }),
        );
        await ds.initialize();
        await ds.runMigrations();
        await ds.destroy();
        const pool = new Pool({ connectionString: db.url, max: 2 });
        await pool.query(`SELECT ensure_partitions('2026-03-01', '2026-03-04')`);
        const esc = (v: string): string => v;
        const lines = rows.map(
          (r) =>
            `${esc(r.meterPointId)}\t${r.intervalStart}\t${r.intervalEnd}\t${r.resolution}\t${r.importWh}\t${r.exportWh}\t${r.registerImportWh}\t${r.registerExportWh}\t${r.quality}\t${r.meterPointId}/${r.intervalStart}\n`,
        );
        // Each timed phase starts from a checkpoint with the broker's writes on disk, so that neither pays
        // for the writeback of what came before it.
        const settle = async (): Promise<void> => {
          await pool.query('CHECKPOINT');
          spawnSync('sync');
        };
        const pc = await pool.connect();
        const copyRates: number[] = [];
        for (let run = 0; run < values.copyRuns; run++) {
          await settle();
          const tb = Date.now();
          for (let i = 0; i < lines.length; i += Number(values['batch-rows'])) {
            const chunk = lines.slice(i, i + Number(values['batch-rows']));
            await pc.query('BEGIN');
            await pipeline(
              Readable.from([chunk.join('')]),
              pc.query(
                copyFrom(
                  'COPY meter_reading (meter_point_id, interval_start, interval_end, resolution, import_wh, export_wh, register_import_wh, register_export_wh, quality, event_id) FROM STDIN',
                ),
              ),
            );
            await pc.query('COMMIT');
          }
          copyRates.push(produced / ((Date.now() - tb) / 1000));
          await pc.query('TRUNCATE meter_reading');
          await pc.query('TRUNCATE rollup_invalidation');
          log(`(b) raw COPY pass ${run + 1}/${values.copyRuns}: ${Math.round(copyRates[run] ?? 0)} rows/s`);
        }
        pc.release();
        const b = median(copyRates);
        await settle();
        log(`(b) raw COPY, median of ${copyRates.length}: ${Math.round(b)} rows/s`);

        // (c) end to end through the ingest service
        const ingest = new IngestProcess(
          3990,
          {
            DATABASE_URL: db.url,
            KAFKA_BROKERS: brokers,
            INGEST_CONSUMER_GROUP: `bench-ingest-${suffix}`,
            INGEST_READINGS_TOPIC: topics.readings,
            INGEST_TELEMETRY_TOPIC: topics.telemetry,
            INGEST_MAX_BATCH_ROWS: values['batch-rows'],
            INGEST_PARTITIONS_CONCURRENTLY: values.concurrency,
            INGEST_ROLLUP_REFRESH_MS: process.env['BENCH_REFRESH_MS'] ?? '2000',
            LOG_LEVEL: 'warn',
            ...(process.env['BENCH_FETCH_MAX_BYTES']
              ? { INGEST_FETCH_MAX_BYTES: process.env['BENCH_FETCH_MAX_BYTES'] }
              : {}),
          },
          [
            // as deployed (k8s/base/ingest.yaml sets NODE_OPTIONS the same way); BENCH_SEMI_SPACE_MB to compare
            `--max-semi-space-size=${process.env['BENCH_SEMI_SPACE_MB'] ?? '16'}`,
            ...(process.env['BENCH_PROFILE_DIR']
              ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`]
              : []),
          ],
          // the bundle resolves its packages from the workspace's node_modules, as `node dist/apps/ingest/main.js` does
          compiled ? ROOT : undefined,
        );
        // Progress from the service's own counter: polling count(*) would load the database being measured.
        const count = async (): Promise<number> => {
          const m = /gridwerk_ingest_rows_total\{table="meter_reading",result="inserted"[^}]*\} (\d+)/.exec(
            await ingest.metrics().catch(() => ''),
          );
          return Number(m?.[1] ?? 0);
        };
        await ingest.start();
        let t0 = 0;
        let n0 = 0;
        let n = 0;
        let peakService = 0;
        let serviceStats = {};
        // rows stored since the first, once a second: shows a stall (a rebalance, a checkpoint) at its time
        const trace: [number, number][] = [];
        let lastTrace = 0;
        for (;;) {
          n = await count();
          peakService = Math.max(peakService, ingest.peakRssBytes() ?? 0);
          if (t0 === 0 && n > 0) {
            t0 = Date.now();
            n0 = n;
          }
          if (n >= produced) break;
          if (t0 > 0 && Date.now() - lastTrace >= 1000) {
            lastTrace = Date.now();
            trace.push([lastTrace - t0, n - n0]);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        const c = (n - n0) / ((Date.now() - t0) / 1000);
        const stored = Number(
          (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM meter_reading')).rows[0]?.n ?? 0,
        );
        if (stored !== produced)
          throw new Error(`service reported ${n} rows but the table holds ${stored} of ${produced}`);
        const metrics = await ingest.metrics();
        const metric = (re: RegExp): number => Number(re.exec(metrics)?.[1] ?? 0);
        serviceStats = {
          duplicates: metric(
            /gridwerk_ingest_rows_total\{table="meter_reading",result="duplicate"[^}]*\} (\d+)/,
          ),
          batches: metric(/gridwerk_ingest_batch_seconds_count\{[^}]*\} (\d+)/),
          batchSecondsSum:
            Math.round(metric(/gridwerk_ingest_batch_seconds_sum\{[^}]*\} ([\d.]+)/) * 100) / 100,
          failures: metric(/gridwerk_ingest_failures_total\{[^}]*\} (\d+)/),
        };
        log(`service: ${JSON.stringify(serviceStats)}`);
        const warnings = ingest
          .logs()
          .split('\n')
          .filter((l) => l.includes('"warn"') || l.includes('"error"'));
        if (warnings.length > 0) log(`service warnings (last 5):\n${warnings.slice(-5).join('\n')}`);
        await ingest.stop();
        await pool.end();
        log(
          `(c) end to end: ${Math.round(c)} rows/s; rows stored by second: ${trace.map(([t, k]) => `${(t / 1000).toFixed(1)}s:${k}`).join(' ')}`,
        );
        const ratio = Math.round((c / Math.min(a, b)) * 1000) / 1000;
        const servicePeak = mib(peakService);
        process.stdout.write(
          `${JSON.stringify({
            benchmark: 'ingest',
            rows: produced,
            batchRows: Number(values['batch-rows']),
            partitionsConcurrently: Number(values.concurrency),
            rawConsumeRowsPerSecond: Math.round(a),
            rawCopyRowsPerSecond: Math.round(b),
            rawCopyPassesRowsPerSecond: copyRates.map((r) => Math.round(r)),
            endToEndRowsPerSecond: Math.round(c),
            ratio,
            service: { runs: compiled ? 'compiled bundle' : 'sources (ts-node)', ...serviceStats },
            peakRssMiB: { service: servicePeak, benchmark: mib(mem.stop()) },
            target: TARGET,
            targetsMet: {
              ratio: ratio >= TARGET.ratio,
              servicePeakRss: servicePeak <= TARGET.servicePeakRssMiB,
            },
            changes: JSON.parse(fs.readFileSync(CHANGES_FILE, 'utf8')) as unknown,
          })}\n`,
        );
      } finally {
        await db.drop().catch(() => undefined);
      }
    },
  );
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
