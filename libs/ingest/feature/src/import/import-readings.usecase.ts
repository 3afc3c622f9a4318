import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Pool } from 'pg';
import { DeadLetterReasonCodes, toEpochMs } from '@gridwerk/contracts';
import {
  type ImportCheckpoint,
  ReadingImportStore,
  refreshRollups,
  refreshRollupWindow,
  ReadingCopyBatch,
} from '@gridwerk/ingest/data-access';
import { DEFAULT_INGEST_RULES, type IngestRules } from '../ingest-batch.handler';
import { CloudEventsReadingSource } from './cloudevents-reading.source';
import { CsvReadingSource } from './csv-reading.source';
import { ImportFileError, type ReadingSourceReader, type RejectReason } from './reading-source.port';

export const IMPORT_FORMATS = ['csv', 'cloudevents'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export function readerFor(format: ImportFormat): ReadingSourceReader {
  return format === 'csv' ? new CsvReadingSource() : new CloudEventsReadingSource();
}

export interface ImportReadingsCommand {
  file: string;
  format: ImportFormat;
  /** Rejected lines, one JSON object each ({ line, code, message, text }). */
  rejectFile: string;
  /** Lines per transaction (and per rollup window), default 100,000. */
  batchLines?: number;
  rules?: IngestRules;
  /** Called about every `progressEveryMs` (default 2 s) and once at the end. */
  onProgress?: (p: ImportProgress) => void;
  progressEveryMs?: number;
}

export interface ImportProgress {
  lines: number;
  stored: number;
  rejected: number;
  bytes: number;
  fileBytes: number;
  /** Lines per second of this run (since it started or resumed). */
  linesPerSecond: number;
  /** Estimated time left (from the byte rate of this run), undefined until measurable. */
  etaSeconds: number | undefined;
}

export interface ImportResult {
  importId: string;
  /** Lines of the file (header and blank lines included). */
  lines: number;
  /** Valid readings handed to the database. stored + rejected + skipped = lines. */
  stored: number;
  rejected: number;
  /** Header and blank lines. */
  skipped: number;
  /** Line this run started at (1 for a fresh import; > 1 when it resumed a checkpoint). */
  resumedAtLine: number;
  /** The file had been imported completely before: nothing was done. */
  alreadyComplete: boolean;
  /** Batches committed by this run, and how many went through the versioning writer (stored keys met). */
  batches: number;
  versionedBatches: number;
  durationMs: number;
  /** Time spent on the rollups of the imported windows (overlapping the next batch's commit). */
  rollupMs: number;
}

/** Identity of a file: its size and a hash of its first and last MiB (cheap for any size). */
export async function fingerprintFile(path: string, format: ImportFormat): Promise<string> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const { size } = await fh.stat();
    const hash = createHash('sha256').update(`${format}:${size}:`);
    const span = 1 << 20;
    for (const pos of size > span ? [0, size - span] : [0]) {
      const buf = Buffer.alloc(Math.min(span, size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest('hex').slice(0, 32);
  } finally {
    await fh.close();
  }
}

/**
 * `npm run ingest -- import`: loads a history file into the raw series in large transactions, each
 * committing its readings together with the file's checkpoint, then brings the rollups of that window up
 * to date (set-based). Validation is the live path's: the contract (by the format's adapter) and the
 * ingest rules (retention, clock skew); rejected lines go to the reject file with their reason. Memory is
 * bounded by one batch. Run again after a crash (or Ctrl-C): it resumes at the first line not committed.
 */
export async function importReadings(pool: Pool, cmd: ImportReadingsCommand): Promise<ImportResult> {
  const t0 = performance.now();
  const reader = readerFor(cmd.format);
  const rules = cmd.rules ?? DEFAULT_INGEST_RULES;
  const batchLines = cmd.batchLines ?? 100_000;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(cmd.file);
  } catch (err) {
    throw new ImportFileError('IMPORT.FILE_UNREADABLE', `${cmd.file}: ${(err as Error).message}`);
  }
  if (!stat.isFile()) throw new ImportFileError('IMPORT.FILE_UNREADABLE', `${cmd.file} is not a file`);
  await reader.check(cmd.file);
  const importId = await fingerprintFile(cmd.file, cmd.format);
  const store = new ReadingImportStore(pool);

  const found = await store.load(importId);
  if (found?.completedAt) {
    const cp = found;
    return {
      importId,
      lines: cp.lines,
      stored: cp.stored,
      rejected: cp.rejected,
      skipped: cp.lines - cp.stored - cp.rejected,
      resumedAtLine: cp.lines + 1,
      alreadyComplete: true,
      batches: 0,
      versionedBatches: 0,
      durationMs: Math.round(performance.now() - t0),
      rollupMs: 0,
    };
  }
  const cp =
    found ??
    (await store.begin({ importId, sourcePath: cmd.file, format: cmd.format, fileBytes: stat.size }));
  const rejects = await openRejectFile(cmd.rejectFile, cp.rejectBytes);
  const resumedAtLine = cp.lines + 1;
  const startBytes = cp.byteOffset;
  const tRun = performance.now();
  let batches = 0;
  let versionedBatches = 0;
  let rollupMs = 0;
  let lastProgress = 0;
  let state: ImportCheckpoint = cp;

  const progress = (force: boolean): void => {
    const now = performance.now();
    if (!cmd.onProgress || (!force && now - lastProgress < (cmd.progressEveryMs ?? 2000))) return;
    lastProgress = now;
    const secs = (now - tRun) / 1000;
    const byteRate = secs > 0 ? (state.byteOffset - startBytes) / secs : 0;
    cmd.onProgress({
      lines: state.lines,
      stored: state.stored,
      rejected: state.rejected,
      bytes: state.byteOffset,
      fileBytes: stat.size,
      linesPerSecond: secs > 0 ? Math.round((state.lines - resumedAtLine + 1) / secs) : 0,
      etaSeconds: byteRate > 0 ? Math.round((stat.size - state.byteOffset) / byteRate) : undefined,
    });
  };

  const earliest = (): number => (rules.now?.() ?? new Date()).getTime() - rules.retentionDays * 86_400_000;
  const latest = (): number => (rules.now?.() ?? new Date()).getTime() + rules.maxClockSkewMs;

  // accepted readings go straight into their COPY text: no object per reading outlives its line
  let copy = new ReadingCopyBatch(batchLines);
  let rejectText = '';
  let pending = { lines: 0, rejected: 0, byteOffset: state.byteOffset, lastLine: state.lines };
  // Three stages overlap: reading and validating the next batch, committing this one, and the rollups of
  // the one before (each stage keeps the file's order). At most one batch waits for its commit, so memory
  // stays at two batches. A failure of either lane is thrown at the next flush or at the end.
  let writing: Promise<void> = Promise.resolve();
  let rollingUp: Promise<void> = Promise.resolve();
  let rollupBefore: Promise<void> = Promise.resolve(); // the lane up to the previous batch's rollup
  const watched = (p: Promise<void>): Promise<void> => {
    p.catch(() => undefined); // observed here, thrown where the lane is awaited
    return p;
  };
  type Batch = {
    copy: ReadingCopyBatch;
    rejectText: string;
    rejected: number;
    byteOffset: number;
    lastLine: number;
  };
  const commit = async (b: Batch): Promise<void> => {
    const rejectBytes = state.rejectBytes + (b.rejectText === '' ? 0 : await rejects.append(b.rejectText));
    const next: ImportCheckpoint = {
      ...state,
      byteOffset: b.byteOffset,
      lines: b.lastLine,
      stored: state.stored + b.copy.length,
      rejected: state.rejected + b.rejected,
      rejectBytes,
    };
    const path = await store.commitBatch(b.copy, next);
    batches += 1;
    if (path === 'versioned') versionedBatches += 1;
    state = next;
    const span = b.copy.startHours();
    rollupBefore = rollingUp;
    if (span)
      rollingUp = watched(
        rollingUp.then(async () => {
          const r0 = performance.now();
          await refreshRollupWindow(pool, new Date(span.from), new Date(span.to));
          rollupMs += performance.now() - r0;
        }),
      );
    progress(false);
  };
  const flush = async (): Promise<void> => {
    if (pending.lines === 0) return;
    const batch: Batch = { copy, rejectText, ...pending };
    copy = new ReadingCopyBatch(batchLines);
    rejectText = '';
    pending = { lines: 0, rejected: 0, byteOffset: pending.byteOffset, lastLine: pending.lastLine };
    await writing; // batch n-1 committed: batch n starts committing while n-1 is rolled up
    await rollupBefore; // ... and the rollup of n-2 is done: at most one window behind
    writing = watched(commit(batch));
  };

  try {
    const reject = (line: number, text: string, reason: RejectReason): void => {
      rejectText += `${JSON.stringify({ line, code: reason.code, message: reason.message, text: text.slice(0, 2000) })}\n`;
      pending.rejected += 1;
    };
    for await (const records of reader.read(cmd.file, {
      fromByte: state.byteOffset,
      fromLine: state.lines + 1,
      eventIdPrefix: importId.slice(0, 16),
    })) {
      const lo = earliest();
      const hi = latest();
      for (const rec of records) {
        if (rec.kind === 'reading') {
          const s = toEpochMs(rec.row.intervalStart) ?? 0;
          const e = toEpochMs(rec.row.intervalEnd) ?? 0;
          if (e > hi)
            reject(rec.line, JSON.stringify(rec.row), {
              code: DeadLetterReasonCodes.inFuture,
              message: `${rec.row.intervalEnd} is more than ${rules.maxClockSkewMs} ms ahead of the ingest clock`,
            });
          else if (s < lo)
            reject(rec.line, JSON.stringify(rec.row), {
              code: DeadLetterReasonCodes.beyondRetention,
              message: `${rec.row.intervalStart} is older than the raw-series retention of ${rules.retentionDays} days`,
            });
          else copy.add(rec.row, rec.row.eventId);
        } else if (rec.kind === 'reject') reject(rec.line, rec.text, rec.reason);
        pending.lines += 1;
        pending.lastLine = rec.line;
        pending.byteOffset = rec.endByte;
        if (pending.lines >= batchLines) await flush();
      }
    }
    await flush();
    await writing;
    await rollingUp;
    // hours a crashed run committed but did not roll up, and anything the service left pending
    const r0 = performance.now();
    await refreshRollups(pool, { settleMs: 0 });
    rollupMs += performance.now() - r0;
    await store.complete(importId);
  } finally {
    await Promise.allSettled([writing, rollingUp]);
    await rejects.close();
  }
  progress(true);
  return {
    importId,
    lines: state.lines,
    stored: state.stored,
    rejected: state.rejected,
    skipped: state.lines - state.stored - state.rejected,
    resumedAtLine,
    alreadyComplete: false,
    batches,
    versionedBatches,
    durationMs: Math.round(performance.now() - t0),
    rollupMs: Math.round(rollupMs),
  };
}

/**
 * The reject file, cut back to the length the checkpoint recorded (a crashed run may have appended
 * rejects of a batch it never committed), then appended to. Each append is flushed to disk before the
 * batch's transaction commits, so the checkpoint never points past what the file holds.
 */
async function openRejectFile(
  path: string,
  committedBytes: number,
): Promise<{ append(text: string): Promise<number>; close(): Promise<void> }> {
  let size = 0;
  try {
    size = (await fs.promises.stat(path)).size;
  } catch {
    size = 0;
  }
  if (size < committedBytes)
    throw new ImportFileError(
      'IMPORT.REJECT_FILE_SHORT',
      `${path} has ${size} bytes but the checkpoint recorded ${committedBytes}: use the reject file of the first run`,
    );
  const fh = await fs.promises.open(path, size === 0 ? 'w' : 'r+');
  await fh.truncate(committedBytes);
  let pos = committedBytes;
  return {
    async append(text: string): Promise<number> {
      const buf = Buffer.from(text);
      await fh.write(buf, 0, buf.length, pos);
      await fh.sync();
      pos += buf.length;
      return buf.length;
    },
    close: () => fh.close(),
  };
}
