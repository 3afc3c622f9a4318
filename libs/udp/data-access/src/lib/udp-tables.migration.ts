import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's own tables. It keeps no copy of the series: `udp_published` remembers the values of the
 * recent quarter hours it has announced (to detect a changed rollup), `udp_outbox` the announcements not yet
 * acknowledged by the MQTT broker (one row per observation; the relay writes the topics).
 */
export class UdpTables1734000000000 implements MigrationInterface {
  name = 'UdpTables1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE udp_published (
        level text NOT NULL,
        node_id text NOT NULL,
        bucket_start timestamptz NOT NULL,
        import_wh bigint NOT NULL,
        export_wh bigint NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (level, node_id, bucket_start)
      )`);
    await q.query(`
      CREATE TABLE udp_outbox (
        id bigserial PRIMARY KEY,
        datastream_id text NOT NULL,
        bucket_start timestamptz NOT NULL,
        result double precision NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL
      )`);
    await q.query('CREATE INDEX udp_outbox_pending_idx ON udp_outbox (id) WHERE published_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE udp_outbox');
    await q.query('DROP TABLE udp_published');
  }
}

export const UDP_MIGRATIONS = [UdpTables1734000000000];
