import {
  axisLabels,
  berlinDayOf,
  berlinDayRange,
  berlinDaySlots,
  formatBerlinDateTime,
  formatBerlinTime,
  isAmbiguousWallClock,
  lastBerlinDays,
} from './berlin-time';

describe('Berlin time for the dashboard', () => {
  it('has 92 quarter hours on the spring transition day, without 02:xx', () => {
    const slots = berlinDaySlots({ year: 2026, month: 3, day: 29 }, 'de');
    expect(slots).toHaveLength(92);
    expect(slots[0]).toEqual({ startUtcMs: Date.UTC(2026, 2, 28, 23, 0), label: '00:00' });
    expect(slots[7].label).toBe('01:45');
    expect(slots[8].label).toBe('03:00');
    expect(slots.some((s) => s.label.startsWith('02:'))).toBe(false);
    expect(slots[91].label).toBe('23:45');
  });

  it('has 100 quarter hours on the autumn transition day, the repeated hour labelled with its zone', () => {
    const de = berlinDaySlots({ year: 2026, month: 10, day: 25 }, 'de');
    expect(de).toHaveLength(100);
    expect(de[8].label).toBe('02:00 MESZ');
    expect(de[11].label).toBe('02:45 MESZ');
    expect(de[12].label).toBe('02:00 MEZ');
    expect(de[15].label).toBe('02:45 MEZ');
    expect(de[16].label).toBe('03:00');
    expect(new Set(de.map((s) => s.label)).size).toBe(100);
    const en = berlinDaySlots({ year: 2026, month: 10, day: 25 }, 'en');
    expect(en[8].label).toBe('02:00 CEST');
    expect(en[12].label).toBe('02:00 CET');
  });

  it('has 96 quarter hours on an ordinary day, consecutive and 15 minutes apart', () => {
    const slots = berlinDaySlots({ year: 2026, month: 12, day: 1 }, 'en');
    expect(slots).toHaveLength(96);
    for (let i = 1; i < slots.length; i++)
      expect(slots[i].startUtcMs - slots[i - 1].startUtcMs).toBe(900_000);
    expect(slots[0].startUtcMs).toBe(Date.UTC(2026, 10, 30, 23));
  });

  it('gives day ranges of 23, 24 and 25 hours', () => {
    const h = (d: { fromMs: number; toMs: number }): number => (d.toMs - d.fromMs) / 3_600_000;
    expect(h(berlinDayRange({ year: 2026, month: 3, day: 29 }))).toBe(23);
    expect(h(berlinDayRange({ year: 2026, month: 10, day: 25 }))).toBe(25);
    expect(h(berlinDayRange({ year: 2026, month: 7, day: 1 }))).toBe(24);
  });

  it('formats instants in Berlin, not in the machine zone', () => {
    expect(formatBerlinDateTime(Date.UTC(2026, 6, 1, 16, 45), 'de')).toBe('01.07.2026 18:45');
    expect(formatBerlinDateTime(Date.UTC(2026, 0, 1, 16, 45), 'en')).toBe('2026-01-01 17:45');
    // 23:30 UTC on New Year's Eve is already the next day in Berlin
    expect(berlinDayOf(Date.UTC(2025, 11, 31, 23, 30))).toEqual({ year: 2026, month: 1, day: 1 });
    expect(formatBerlinTime(Date.UTC(2026, 9, 25, 0, 30), 'de')).toBe('02:30 MESZ');
    expect(formatBerlinTime(Date.UTC(2026, 9, 25, 1, 30), 'de')).toBe('02:30 MEZ');
    expect(isAmbiguousWallClock(Date.UTC(2026, 9, 25, 2, 0))).toBe(false);
  });

  it('labels chart axes in Berlin time: hours for short spans, dates for long ones', () => {
    const h = 3_600_000;
    const t0 = Date.UTC(2026, 11, 1, 21);
    expect(axisLabels([t0, t0 + 2 * h, t0 + 4 * h], 6 * h, 'de')).toEqual([
      '22:00\n01.12.',
      '00:00\n02.12.',
      '02:00',
    ]);
    expect(axisLabels([Date.UTC(2026, 0, 1, 23), Date.UTC(2026, 1, 1, 23)], 60 * 24 * h, 'en')).toEqual([
      '01-02',
      '02-02',
    ]);
  });

  it('spans whole local days for "the last N days", across a transition', () => {
    const r = lastBerlinDays(Date.UTC(2026, 2, 30, 12), 2);
    expect(r.fromMs).toBe(Date.UTC(2026, 2, 28, 23));
    expect(r.toMs).toBe(Date.UTC(2026, 2, 30, 22));
    expect((r.toMs - r.fromMs) / 900_000).toBe(92 + 96);
  });
});
