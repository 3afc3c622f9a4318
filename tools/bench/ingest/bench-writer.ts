/**
 * Write-rate benchmark of MeterReadingWriter against a real PostgreSQL (not a test).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register libs/ingest/data-access/scripts/bench-writer.ts \
 *     [--rows 1000000] [--batch 10000] [--meters 20000] [--server postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Creates a throw-away database (name contains "test"), migrates it, writes a topology of `meters` meter
 * points and `rows` PT15M readings for them in batches (rollups maintained in native mode), then replays
 * one batch, prints rows/s and drops the database.
 */
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  dropDatabase,
  ensureDatabase,
  postgresDataSourceOptions,
} from '@gridwerk/shared/data-access-database';
import {
  INGEST_MIGRATIONS,
  MeterReadingWriter,
  ReadingRow,
  TopologyRepository,
} from '@gridwerk/ingest/data-access';
import { meterId, smallTopology } from '@gridwerk/ingest/data-access';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '1000000'));
  const batch = Number(arg('batch', '10000'));
  const meters = Number(arg('meters', '20000'));
  const server = new URL(arg('server', 'postgres://postgres@127.0.0.1:5432/postgres'));
  server.pathname = `/gridwerk_test_bench_writer_${process.pid}`;
  const url = server.toString();
  await ensureDatabase(url);
  const ds = new DataSource(
    postgresDataSourceOptions({ url, applicationName: 'bench-writer', migrations: INGEST_MIGRATIONS }),
  );
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    await ds.initialize();
    await ds.runMigrations();
    await new TopologyRepository(pool).upsertTopology(smallTopology(meters));
    // --insert-only: the TimescaleDB-mode statement (no manual rollup), to see what the rollup costs
    const writer = new MeterReadingWriter(
      pool,
      process.argv.includes('--insert-only') ? { storageMode: 'timescaledb' } : {},
    );
    const mode = await writer.storageMode();

    // readings in the order a consumer sees them: one quarter hour of all meters, then the next
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
    const reading = (i: number): ReadingRow => {
      const m = i % meters;
      const s = start + Math.floor(i / meters) * 900_000;
      return {
        eventId: `bench-${i}`,
        meterPointId: meterId(m),
        intervalStart: new Date(s).toISOString(),
        intervalEnd: new Date(s + 900_000).toISOString(),
        resolution: 'PT15M',
        importWh: (i * 7) % 400,
        exportWh: m % 3 === 0 ? (i * 3) % 250 : 0,
        registerImportWh: 1_000_000 + i,
        registerExportWh: 500_000 + i,
        quality: 'measured',
      };
    };

    let inserted = 0;
    let dbMs = 0;
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < rows; off += batch) {
      const chunk = Array.from({ length: Math.min(batch, rows - off) }, (_, k) => reading(off + k));
      const w0 = process.hrtime.bigint();
      inserted += (await writer.writeReadings(chunk)).inserted;
      const ms = Number(process.hrtime.bigint() - w0) / 1e6;
      dbMs += ms;
      if (process.argv.includes('--verbose')) console.error(`batch at ${off}: ${ms.toFixed(0)} ms`);
    }
    const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;

    const replay = Array.from({ length: Math.min(batch, rows) }, (_, k) => reading(k));
    const r0 = process.hrtime.bigint();
    const rep = await writer.writeReadings(replay);
    const replayMs = Number(process.hrtime.bigint() - r0) / 1e6;

    const stored = Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM meter_reading')).rows[0]?.n,
    );
    console.log(
      JSON.stringify(
        {
          mode,
          rows,
          batch,
          meters,
          inserted,
          stored,
          seconds: +(totalMs / 1000).toFixed(2),
          rowsPerSecond: Math.round((rows / totalMs) * 1000),
          rowsPerSecondInWriter: Math.round((rows / dbMs) * 1000),
          replay: { ...rep, rowsPerSecond: Math.round((replay.length / replayMs) * 1000) },
        },
        null,
        2,
      ),
    );
  } finally {
    await pool.end();
    if (ds.isInitialized) await ds.destroy();
    if (!process.argv.includes('--keep')) await dropDatabase(url);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
