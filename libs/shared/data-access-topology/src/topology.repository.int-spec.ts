import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  createTestDatabase,
  postgresDataSourceOptions,
  TestDatabase,
} from '@gridwerk/shared/data-access-database';
import { TOPOLOGY_MIGRATIONS, TopologyRepository, TopologySnapshot } from './index';

const mp = (n: number, ss: string) => ({
  meterPointId: `DE${String(n).padStart(31, '0')}`,
  secondarySubstationId: ss,
  customerType: 'household',
  profile: 'H25',
  annualConsumptionWh: 3_000_000 + n,
  communityId: n % 2 === 0 ? 'EC-1' : null,
});

const snapshot: TopologySnapshot = {
  substations: [{ substationId: 'UW-1', name: 'UW Leipzig-Nord' }],
  feeders: [{ feederId: 'UW-1-F1', substationId: 'UW-1', name: 'Feeder 1' }],
  secondarySubstations: [
    { secondarySubstationId: 'ONS-1', feederId: 'UW-1-F1', name: 'ONS 1', ratedKva: 630 },
    { secondarySubstationId: 'ONS-2', feederId: 'UW-1-F1', name: 'ONS 2', ratedKva: 400 },
  ],
  communities: [{ communityId: 'EC-1', name: 'Energiegemeinschaft Gohlis', feederId: 'UW-1-F1' }],
  meteringPoints: [mp(1, 'ONS-1'), mp(2, 'ONS-1'), mp(3, 'ONS-2')],
  batteries: [
    {
      assetId: 'BAT-0001',
      secondarySubstationId: 'ONS-2',
      nominalCapacityWh: 200_000,
      usableCapacityWh: 170_000,
    },
  ],
};

describe('TopologyRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('topology');
    const ds = new DataSource(
      postgresDataSourceOptions({ url: db.url, applicationName: 'test', migrations: TOPOLOGY_MIGRATIONS }),
    );
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    pool = new Pool({ connectionString: db.url });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const count = async (table: string) =>
    Number((await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n);

  it('writes parents before children and is idempotent', async () => {
    const repo = new TopologyRepository(pool);
    expect(await repo.upsertTopology(snapshot)).toMatchObject({
      substations: 1,
      feeders: 1,
      secondarySubstations: 2,
      meterPoints: 3,
    });
    await repo.upsertTopology(snapshot);
    expect(await count('meter_point')).toBe(3);
    expect(await count('battery_asset')).toBe(1);
    const community = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM meter_point WHERE community_id = 'EC-1'`,
    );
    expect(community.rows[0]?.n).toBe('1');
  });

  it('updates changed attributes in place', async () => {
    await new TopologyRepository(pool).upsertTopology({
      secondarySubstations: [
        { secondarySubstationId: 'ONS-2', feederId: 'UW-1-F1', name: 'ONS 2', ratedKva: 800 },
      ],
    });
    const r = await pool.query<{ rated_kva: number }>(
      `SELECT rated_kva FROM secondary_substation WHERE id = 'ONS-2'`,
    );
    expect(r.rows[0]?.rated_kva).toBe(800);
  });

  it('stores optional WGS 84 coordinates, and refuses half a position', async () => {
    const repo = new TopologyRepository(pool);
    await repo.upsertTopology({
      substations: [{ substationId: 'UW-1', name: 'UW 1', longitude: 12.3731, latitude: 51.3397 }],
    });
    const r = await pool.query<{ longitude: number; latitude: number }>(
      `SELECT longitude, latitude FROM substation WHERE id = 'UW-1'`,
    );
    expect(r.rows[0]).toEqual({ longitude: 12.3731, latitude: 51.3397 });
    // a station written without coordinates keeps NULLs (the field is optional)
    const s = await pool.query<{ longitude: number | null }>(
      `SELECT longitude FROM secondary_substation WHERE id = 'ONS-1'`,
    );
    expect(s.rows[0]?.longitude).toBeNull();
    await expect(
      repo.upsertTopology({
        feeders: [{ feederId: 'UW-1-F1', substationId: 'UW-1', name: 'F', longitude: 12.4 }],
      }),
    ).rejects.toThrow(/position_check/);
  });

  it('stores an optional street address of a station', async () => {
    const repo = new TopologyRepository(pool);
    await repo.upsertTopology({
      secondarySubstations: [
        {
          secondarySubstationId: 'ONS-1',
          feederId: 'UW-1-F1',
          name: 'ONS 1',
          ratedKva: 630,
          street: 'Zschochersche Straße 12',
        },
      ],
    });
    const r = await pool.query<{ id: string; street: string | null }>(
      `SELECT id, street FROM secondary_substation ORDER BY id`,
    );
    expect(r.rows).toEqual([
      { id: 'ONS-1', street: 'Zschochersche Straße 12' },
      { id: 'ONS-2', street: null },
    ]);
  });

  it('rejects a malformed metering point id and writes nothing of that snapshot', async () => {
    const bad = {
      ...snapshot,
      meteringPoints: [mp(4, 'ONS-1'), { ...mp(5, 'ONS-1'), meterPointId: 'DE-short' }],
    };
    await expect(new TopologyRepository(pool).upsertTopology(bad)).rejects.toThrow();
    expect(await count('meter_point')).toBe(3);
  });
});
