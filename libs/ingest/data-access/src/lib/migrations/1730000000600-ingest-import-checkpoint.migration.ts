import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Progress of `npm run ingest -- import`, one row per imported file (keyed by its fingerprint). The
 * importer updates its row in the same transaction as the readings it covers, so after a crash the
 * import resumes at the first line not committed: no row lost, none doubled. A plain table in both
 * storage modes.
 */
export class IngestImportCheckpoint1730000000600 implements MigrationInterface {
  name = 'IngestImportCheckpoint1730000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE ingest_import_checkpoint (
  import_id text PRIMARY KEY,
  source_path text NOT NULL,
  format text NOT NULL,
  file_bytes bigint NOT NULL CHECK (file_bytes >= 0),
  byte_offset bigint NOT NULL CHECK (byte_offset >= 0),
  lines bigint NOT NULL CHECK (lines >= 0),
  stored bigint NOT NULL CHECK (stored >= 0),
  rejected bigint NOT NULL CHECK (rejected >= 0),
  reject_bytes bigint NOT NULL CHECK (reject_bytes >= 0),
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ingest_import_checkpoint`);
  }
}
