import { Pool } from 'pg';
import { createEvent, EventTypes, type MeterReading } from '@gridwerk/contracts';
import {
  CommunityRepository,
  createSettlementPool,
  runSettlementMigrations,
} from '@gridwerk/settlement/data-access';
import { syntheticMeterPointId } from '@gridwerk/settlement/domain';
import { createTestDatabase, type TestDatabase } from '@gridwerk/shared/data-access-database';
import { classifyReadings, SettlementDlqCodes, SkipReasons } from './reading-intake';

const C = 'EG-INTAKE';
const T0 = '2026-06-01T10:00:00Z';
const T1 = '2026-06-01T10:15:00Z';
const T2 = '2026-06-01T10:30:00Z';
const member = syntheticMeterPointId(41, 1);
const lateJoiner = syntheticMeterPointId(41, 2); // a member from T1 on
const leaver = syntheticMeterPointId(41, 3); // a member until T1
const stranger = syntheticMeterPointId(41, 4); // never registered

function raw(meterPointId: string, intervalStart: string, over: Partial<MeterReading> = {}) {
  const data: MeterReading = {
    meterPointId,
    intervalStart,
    intervalEnd: new Date(Date.parse(intervalStart) + 900_000).toISOString().replace('.000Z', 'Z'),
    resolution: 'PT15M',
    importWh: 120,
    exportWh: 0,
    registerImportWh: 1_000_000,
    registerExportWh: 0,
    quality: 'measured',
    ...over,
  };
  const event = createEvent(EventTypes.meterReading, data, {
    id: `${meterPointId}-${intervalStart}`,
    source: '/gridwerk/test',
    subject: meterPointId,
    time: data.intervalEnd,
  });
  return { value: Buffer.from(JSON.stringify(event)) };
}

describe('classifyReadings (real PostgreSQL registry)', () => {
  let tdb: TestDatabase;
  let pool: Pool;
  let communities: CommunityRepository;

  beforeAll(async () => {
    tdb = await createTestDatabase('settlement_intake');
    await runSettlementMigrations(tdb.url);
    pool = createSettlementPool(tdb.url, 2);
    communities = new CommunityRepository(pool);
    await communities.create({
      communityId: C,
      name: 'Intake',
      actor: 'admin',
      effectiveFrom: T0,
      priceMilliCtPerKWh: 20_000,
    });
    await communities.setMembers(
      [
        { communityId: C, meterPointId: member, role: 'consumer', effectiveFrom: T0 },
        { communityId: C, meterPointId: lateJoiner, role: 'consumer', effectiveFrom: T1 },
        { communityId: C, meterPointId: leaver, role: 'prosumer', effectiveFrom: T0 },
        { communityId: C, meterPointId: leaver, role: null, effectiveFrom: T1 },
      ],
      'admin',
    );
  });

  afterAll(async () => {
    await pool?.end();
    await tdb?.drop();
  });

  it('skips valid readings of metering points in no community by reason, and dead-letters only bad input', async () => {
    const verdicts = await classifyReadings(
      [
        raw(member, T0),
        raw(stranger, T0),
        raw(lateJoiner, T0),
        raw(lateJoiner, T1),
        raw(leaver, T0),
        raw(leaver, T2),
        { value: Buffer.from('{"not json') },
        raw(member, T1, { importWh: -1 }),
        raw(member, T2, { resolution: 'PT1M', intervalEnd: '2026-06-01T10:31:00Z' }),
      ],
      communities,
    );
    expect(
      verdicts.map((v) =>
        v.kind === 'member'
          ? `member ${v.reading.meterPointId} ${v.reading.communityId}`
          : v.kind === 'skip'
            ? `skip ${v.reason}`
            : `dead-letter ${v.reason.code}`,
      ),
    ).toEqual([
      `member ${member} ${C}`,
      `skip ${SkipReasons.notInCommunity}`,
      `skip ${SkipReasons.outsideMembership}`, // before joining
      `member ${lateJoiner} ${C}`,
      `member ${leaver} ${C}`,
      `skip ${SkipReasons.outsideMembership}`, // after leaving
      'dead-letter JSON.PARSE',
      `dead-letter ${SettlementDlqCodes.negativeEnergy}`,
      `dead-letter ${SettlementDlqCodes.unsupportedResolution}`,
    ]);
    expect(verdicts[0]).toEqual({
      kind: 'member',
      reading: {
        communityId: C,
        meterPointId: member,
        intervalStart: T0,
        intervalEnd: T1,
        importWh: 120,
        exportWh: 0,
        quality: 'measured',
        eventId: `${member}-${T0}`,
      },
    });
  });
});
