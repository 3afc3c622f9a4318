import { FaultInjector, FaultedItem, StreamItem } from './faults';

function stream(step: number, n: number): StreamItem[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `DE${String(i).padStart(31, '0')}`,
    value: JSON.stringify({
      meterPointId: `DE${String(i).padStart(31, '0')}`,
      intervalStart: `step-${step}`,
      importWh: 10 + i,
    }),
  }));
}

function runAll(seed: number): { out: FaultedItem[]; inj: FaultInjector; produced: StreamItem[] } {
  const inj = new FaultInjector({
    seed,
    rates: { late: 0.02, duplicate: 0.03, outOfOrder: 0.02, malformed: 0.01 },
    lateSteps: 2,
  });
  const out: FaultedItem[] = [];
  const produced: StreamItem[] = [];
  for (let s = 0; s < 50; s++) {
    const items = stream(s, 100);
    produced.push(...items);
    out.push(...inj.process(items));
    const c = inj.counters();
    expect(c.emitted).toBe(c.produced - c.latePending - c.swapPending + c.duplicated);
    expect(out).toHaveLength(c.emitted);
  }
  out.push(...inj.flush());
  return { out, inj, produced };
}

describe('fault injection', () => {
  it('reconciles its counters with what it emitted', () => {
    const { out, inj, produced } = runAll(11);
    const c = inj.counters();
    expect(c.produced).toBe(5000);
    expect(c.latePending).toBe(0);
    expect(c.emitted).toBe(c.produced + c.duplicated);
    expect(out).toHaveLength(c.emitted);
    expect(out.filter((o) => o.fault === 'late')).toHaveLength(c.late);
    expect(out.filter((o) => o.fault === 'duplicate')).toHaveLength(c.duplicated);
    expect(out.filter((o) => o.fault === 'out-of-order')).toHaveLength(c.outOfOrder);
    expect(out.filter((o) => o.fault === 'malformed')).toHaveLength(c.malformed);
    for (const [k, v] of Object.entries({ late: 100, duplicated: 150, outOfOrder: 100, malformed: 50 })) {
      const n = c[k as keyof typeof c];
      expect(n).toBeGreaterThan(v * 0.5);
      expect(n).toBeLessThan(v * 1.6);
    }
    // nothing is lost: every produced item is emitted at least once, intact unless malformed
    const emittedValues = new Set(out.filter((o) => o.fault !== 'malformed').map((o) => o.value));
    const lost = produced.filter((p) => !emittedValues.has(p.value));
    expect(lost).toHaveLength(c.malformed);
  });

  it('corrupts payloads recognisably', () => {
    const { out } = runAll(11);
    const bad = out.filter((o) => o.fault === 'malformed');
    expect(new Set(bad.map((b) => b.malformation)).size).toBe(3);
    for (const b of bad) {
      if (b.malformation === 'not-json') expect(() => JSON.parse(b.value) as unknown).toThrow();
      if (b.malformation === 'negative-import')
        expect((JSON.parse(b.value) as { importWh: number }).importWh).toBeLessThan(0);
      if (b.malformation === 'bad-meter-id')
        expect((JSON.parse(b.value) as { meterPointId: string }).meterPointId).not.toMatch(
          /^DE[0-9A-Z]{31}$/,
        );
    }
  });

  it('is deterministic per seed', () => {
    expect(JSON.stringify(runAll(3).out)).toBe(JSON.stringify(runAll(3).out));
    expect(JSON.stringify(runAll(3).out)).not.toBe(JSON.stringify(runAll(4).out));
  });

  it('delays late items by the configured number of steps and swaps out-of-order ones with their successor', () => {
    const inj = new FaultInjector({ seed: 1, rates: { late: 1 }, lateSteps: 2 });
    expect(inj.process(stream(0, 3))).toEqual([]);
    expect(inj.process(stream(1, 0))).toEqual([]);
    expect(inj.process(stream(2, 0)).map((o) => o.key)).toEqual(stream(0, 3).map((s) => s.key));
    const swap = new FaultInjector({ seed: 1, rates: { outOfOrder: 1 } });
    const out = swap.process(stream(0, 4)).map((o) => o.key.slice(-1));
    expect(out).toEqual(['1', '0', '3', '2']);
    expect(() => new FaultInjector({ seed: 1, rates: { late: 0.6, duplicate: 0.6 } })).toThrow(RangeError);
  });
});
