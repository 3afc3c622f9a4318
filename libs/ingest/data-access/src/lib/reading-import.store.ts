import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { INVALIDATE_GIVEN_HOURS_SQL } from './load-rollup.sql';
import { COPY_READING_DIRECT, MeterReadingWriter } from './meter-reading.writer';
import { ReadingCopyBatch } from './reading-copy-batch';
import { ensurePartitions } from './partitions';
import { detectStorageMode } from './storage-mode';
import type { ReadingRow, StorageMode } from './types';

/** Progress of one imported file, as committed with the readings it covers (`ingest_import_checkpoint`). */
export interface ImportCheckpoint {
  /** Fingerprint of the file (its size and content), the key of the checkpoint. */
  importId: string;
  sourcePath: string;
  format: string;
  fileBytes: number;
  /** Bytes of the file consumed: the import resumes reading here. */
  byteOffset: number;
  /** Lines consumed (header and blank lines included). */
  lines: number;
  /** Valid readings handed to the database (each stored once; a re-sent identical one is a duplicate). */
  stored: number;
  /** Lines written to the reject file. */
  rejected: number;
  /** Length of the reject file that goes with this checkpoint (a resume truncates it back to this). */
  rejectBytes: number;
  completedAt: Date | null;
}

/** How a batch was written: straight COPY, or through the versioning writer because a key was stored. */
export type ImportBatchPath = 'copy' | 'versioned';

interface CheckpointRow {
  import_id: string;
  source_path: string;
  format: string;
  file_bytes: string;
  byte_offset: string;
  lines: string;
  stored: string;
  rejected: string;
  reject_bytes: string;
  completed_at: Date | null;
}

const SAVE_CHECKPOINT_SQL = `
UPDATE ingest_import_checkpoint
   SET byte_offset = $2, lines = $3, stored = $4, rejected = $5, reject_bytes = $6, updated_at = now()
 WHERE import_id = $1`;

const DAY_MS = 86_400_000;

/**
 * The import's bulk path (`npm run ingest -- import`): one transaction per batch that COPYs the readings
 * straight into `meter_reading` (first versions; their history, meter_reading_revision, starts with a
 * second version, as on the live path), records the touched hours
 * for the native refresher and moves the file's checkpoint, all committed together. A batch meeting a
 * stored key (the file re-sends or corrects readings already in the database) is written instead by
 * MeterReadingWriter, which versions it like the live path; its checkpoint follows in a second
 * transaction. That path is idempotent (event ids are per file line), so a crash between the two re-sends
 * readings that are then duplicates: still none doubled, none lost.
 */
export class ReadingImportStore {
  private mode: StorageMode | undefined;
  private readonly writer: MeterReadingWriter;

  constructor(private readonly pool: Pool) {
    this.writer = new MeterReadingWriter(pool);
  }

  async storageMode(): Promise<StorageMode> {
    this.mode ??= await detectStorageMode(this.pool);
    return this.mode;
  }

  async load(importId: string): Promise<ImportCheckpoint | undefined> {
    const r = await this.pool.query<CheckpointRow>(
      `SELECT * FROM ingest_import_checkpoint WHERE import_id = $1`,
      [importId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      importId: row.import_id,
      sourcePath: row.source_path,
      format: row.format,
      fileBytes: Number(row.file_bytes),
      byteOffset: Number(row.byte_offset),
      lines: Number(row.lines),
      stored: Number(row.stored),
      rejected: Number(row.rejected),
      rejectBytes: Number(row.reject_bytes),
      completedAt: row.completed_at,
    };
  }

  /** Records a new import at its beginning (nothing consumed) and returns that checkpoint. */
  async begin(
    cp: Pick<ImportCheckpoint, 'importId' | 'sourcePath' | 'format' | 'fileBytes'>,
  ): Promise<ImportCheckpoint> {
    await this.pool.query(
      `INSERT INTO ingest_import_checkpoint (import_id, source_path, format, file_bytes, byte_offset, lines, stored, rejected, reject_bytes)
       VALUES ($1, $2, $3, $4, 0, 0, 0, 0, 0)`,
      [cp.importId, cp.sourcePath, cp.format, cp.fileBytes],
    );
    return { ...cp, byteOffset: 0, lines: 0, stored: 0, rejected: 0, rejectBytes: 0, completedAt: null };
  }

  async complete(importId: string): Promise<void> {
    await this.pool.query(
      `UPDATE ingest_import_checkpoint SET completed_at = now(), updated_at = now() WHERE import_id = $1`,
      [importId],
    );
  }

  /**
   * Writes a batch of validated readings and moves the checkpoint to `cp`. The import hands it a
   * ReadingCopyBatch filled as lines are read, so no object per reading outlives its line.
   */
  async commitBatch(
    rows: readonly ReadingRow[] | ReadingCopyBatch,
    cp: ImportCheckpoint,
  ): Promise<ImportBatchPath> {
    const mode = await this.storageMode();
    const batch = rows instanceof ReadingCopyBatch ? rows : ReadingCopyBatch.of(rows);
    const days = batch.days();
    if (mode === 'native-partitioning' && days.length > 0)
      // partitions go by interval start: the days of the batch's starts
      await ensurePartitions(
        this.pool,
        new Date(Math.min(...days) * DAY_MS),
        new Date(Math.max(...days) * DAY_MS),
      );
    const copied = await this.inTransaction(async (client) => {
      if (batch.length > 0) {
        try {
          await pipeline(Readable.from(batch.chunks()), client.query(copyFrom(COPY_READING_DIRECT)));
        } catch (err) {
          if (sqlState(err) !== '23505') throw err;
          return false;
        }
        // first and only versions: no history row (meter_reading_revision starts with a second version)
        if (mode === 'native-partitioning') await client.query(INVALIDATE_GIVEN_HOURS_SQL, [batch.hours()]);
      }
      await this.saveCheckpoint(client, cp);
      return true;
    });
    if (copied) return 'copy';
    await this.writer.writeReadings(batch);
    await this.inTransaction(async (client) => {
      await this.saveCheckpoint(client, cp);
      return true;
    });
    return 'versioned';
  }

  private async saveCheckpoint(client: PoolClient, cp: ImportCheckpoint): Promise<void> {
    const r = await client.query(SAVE_CHECKPOINT_SQL, [
      cp.importId,
      cp.byteOffset,
      cp.lines,
      cp.stored,
      cp.rejected,
      cp.rejectBytes,
    ]);
    if (r.rowCount !== 1)
      throw new Error(`IMPORT.CHECKPOINT_MISSING: no checkpoint for import ${cp.importId}`);
  }

  /** Runs `work` in one transaction; `false` from work rolls it back. */
  private async inTransaction(work: (client: PoolClient) => Promise<boolean>): Promise<boolean> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const ok = await work(client);
        await client.query(ok ? 'COMMIT' : 'ROLLBACK');
        return ok;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }
}

function sqlState(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return '';
}
