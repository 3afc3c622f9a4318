import { parseKeysCsv, parseMembersCsv } from './csv-import';

const M1 = `DE${'1'.repeat(31)}`;
const M2 = `DE${'2'.repeat(31)}`;

describe('CSV import', () => {
  it('parses members, with quotes, comments and a leave (role none)', () => {
    const csv = `communityId,meterPointId,role,effectiveFrom\n# comment\nEG-0001,${M1},generator,2026-06-01T00:00:00Z\n"EG-0001","${M2}",none,2026-06-02T00:15:00Z\n`;
    expect(parseMembersCsv(csv)).toEqual({
      changes: [
        {
          communityId: 'EG-0001',
          meterPointId: M1,
          role: 'generator',
          effectiveFrom: '2026-06-01T00:00:00Z',
        },
        { communityId: 'EG-0001', meterPointId: M2, role: null, effectiveFrom: '2026-06-02T00:15:00Z' },
      ],
      problems: [],
    });
  });

  it('names the line and column of every bad cell', () => {
    const csv = `communityId,meterPointId,role,effectiveFrom\nEG-0001,DE123,seller,2026-06-01T00:07:00Z\n`;
    expect(parseMembersCsv(csv).problems.map((p) => `${p.line}:${p.column}`)).toEqual([
      '2:meterPointId',
      '2:role',
      '2:effectiveFrom',
    ]);
    expect(parseMembersCsv('communityId,role\n').problems.map((p) => p.message)).toEqual([
      'missing column meterPointId',
      'missing column effectiveFrom',
    ]);
  });

  it('groups key rows into one key per community and effective-from', () => {
    const csv = [
      'communityId,effectiveFrom,kind,meterPointId,value',
      'EG-0001,2026-06-01T00:00:00Z,static,' + M1 + ',600',
      'EG-0001,2026-06-01T00:00:00Z,static,' + M2 + ',400',
      'EG-0002,2026-06-01T00:00:00Z,bid,' + M1 + ',30000',
      'EG-0002,2026-06-01T00:00:00Z,ask,' + M2 + ',12000',
      'EG-0003,2026-06-01T00:00:00Z,dynamic,,',
    ].join('\n');
    expect(parseKeysCsv(csv)).toEqual({
      changes: [
        {
          communityId: 'EG-0001',
          effectiveFrom: '2026-06-01T00:00:00Z',
          key: { kind: 'static', shares: { [M1]: 600, [M2]: 400 } },
        },
        {
          communityId: 'EG-0002',
          effectiveFrom: '2026-06-01T00:00:00Z',
          key: { kind: 'double-auction', bids: { [M1]: 30000 }, asks: { [M2]: 12000 } },
        },
        { communityId: 'EG-0003', effectiveFrom: '2026-06-01T00:00:00Z', key: { kind: 'dynamic' } },
      ],
      problems: [],
    });
    const bad = parseKeysCsv(
      'communityId,effectiveFrom,kind,meterPointId,value\nEG-1,2026-06-01T00:00:00Z,static,' +
        M1 +
        ',-3\nEG-1,2026-06-01T00:00:00Z,dynamic,,\n',
    );
    expect(bad.problems.map((p) => `${p.line}:${p.column}`)).toEqual(['2:value', '2:kind']);
  });
});
