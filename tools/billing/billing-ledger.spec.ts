import { createEvent, EventTypes, exampleEventData } from '@gridwerk/contracts';
import { BillingLedger, berlinMonth, reconcile } from './billing-ledger';

const A = `DE${'1'.repeat(31)}`;
const B = `DE${'2'.repeat(31)}`;
const tx = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify(
    createEvent(
      EventTypes.settlementTransaction,
      {
        ...exampleEventData(EventTypes.settlementTransaction),
        transactionId: id,
        communityId: 'EG-1',
        sellerId: A,
        buyerId: B,
        energyWh: 1000,
        amountCt: 25,
        ...over,
      },
      { source: '/test', subject: 'EG-1', id },
    ),
  );

describe('BillingLedger (reference billing consumer)', () => {
  it('books each event once, reversals with the opposite sign, residual supply apart from community supply', () => {
    const l = new BillingLedger();
    expect(l.ingest(tx('t1'))).toEqual({ accepted: true, duplicate: false });
    expect(l.ingest(tx('t1'))).toEqual({ accepted: false, duplicate: true });
    l.ingest(
      tx('t2', {
        sellerId: 'UTILITY',
        kind: 'grid-import',
        energyWh: 400,
        amountCt: 0,
        priceMilliCtPerKWh: 0,
      }),
    );
    l.ingest(tx('t3', { kind: 'adjustment', direction: 'reversal', adjustsTransactionId: 't1', version: 2 }));
    l.ingest(tx('t4', { energyWh: 600, amountCt: 15, version: 2 }));
    expect(l.ingest('not json').invalid).toBe('JSON.PARSE');
    const s = l.statement();
    expect(s.find((m) => m.meterPointId === B)).toMatchObject({
      communitySupplyWh: 600,
      residualSupplyWh: 400,
      paidCt: 15,
    });
    expect(s.find((m) => m.meterPointId === A)).toMatchObject({ soldWh: 600, receivedCt: 15 });
    expect([l.duplicates, l.invalid]).toEqual([1, 1]);
    expect(l.completeness().unbatched.sort()).toEqual(['t1', 't2', 't3', 't4']);
  });

  it('reconciles to the cent and names every difference', () => {
    const m = {
      communityId: 'c',
      meterPointId: A,
      month: '2026-06',
      communitySupplyWh: 1,
      residualSupplyWh: 2,
      soldWh: 0,
      surplusWh: 0,
      paidCt: 3,
      receivedCt: 0,
    };
    expect(reconcile([m], [{ ...m }])).toEqual([]);
    expect(reconcile([m], [{ ...m, paidCt: 4 }])).toEqual([
      { key: `c|${A}|2026-06`, field: 'paidCt', billing: 3, database: 4 },
    ]);
  });

  it('uses Europe/Berlin months', () => {
    expect(berlinMonth('2026-05-31T22:00:00Z')).toBe('2026-06');
    expect(berlinMonth('2026-05-31T21:45:00Z')).toBe('2026-05');
  });
});
