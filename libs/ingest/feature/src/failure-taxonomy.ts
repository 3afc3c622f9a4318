/**
 * The ingest failure taxonomy. Every error while writing a batch is either
 * - transient: the same write may succeed later (connection lost, timeout, deadlock, serialization
 *   failure, the database shutting down, a broker unavailable): retried with back-off, the partition
 *   paused meanwhile; or
 * - permanent: the database refuses this data and always will (a value out of a column's range, bytes
 *   not valid in text, a violated check): the offending message is isolated by bisecting the batch and
 *   dead-lettered with reason `DB.<SQLSTATE>`.
 * Anything unknown is transient: retrying a healthy message costs time, dead-lettering it loses it.
 */
export type FailureKind = 'transient' | 'permanent';

/**
 * SQLSTATE classes of data the database refuses: 22 data exception (22003 numeric value out of range,
 * 22021 character not in repertoire, e.g. a NUL byte, 22P02 invalid text representation, ...), 23 integrity
 * constraint violation (check, not null), 54 program limit exceeded (e.g. an index row too large).
 * Class 42 (undefined table, permissions) is a deployment problem, not the data's: transient, so the
 * partition waits (and liveness reports it) rather than dead-lettering everything.
 */
const PERMANENT_CLASSES = new Set(['22', '23', '54']);
/**
 * ... except a unique violation: the writes are idempotent (ON CONFLICT), so one can only come from a race
 * (two writers creating the same partition, two members writing one key during a rebalance): retry.
 */
const TRANSIENT_STATES = new Set(['23505']);

export function sqlStateOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function classifyFailure(err: unknown): { kind: FailureKind; sqlState?: string } {
  const sqlState = sqlStateOf(err);
  if (sqlState === undefined) return { kind: 'transient' };
  const permanent = PERMANENT_CLASSES.has(sqlState.slice(0, 2)) && !TRANSIENT_STATES.has(sqlState);
  return { kind: permanent ? 'permanent' : 'transient', sqlState };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
