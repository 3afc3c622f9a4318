import { TOPIC_NAMES } from '@gridwerk/contracts';
import { DEMO_HELP, demoRunGroups, demoTimeline, parseDemoArgs } from './demo';

describe('npm run demo flags', () => {
  it('has defaults that start the control room demo', () => {
    expect(parseDemoArgs([])).toEqual({
      meters: 300,
      historyDays: 63,
      replayRate: 30,
      faults: 'duplicate=0.002,malformed=0.001',
      port: 3004,
      ingestPort: 3001,
      durationS: undefined,
      open: false,
      startMs: undefined,
      liveRate: 1,
      dispatch: true,
      stateDir: '.gridwerk/demo',
    });
    expect(parseDemoArgs(['--help'])).toBe('help');
    expect(parseDemoArgs(['--faults', 'none', '--duration', '60'])).toMatchObject({
      faults: undefined,
      durationS: 60,
    });
  });

  it.each([
    [['--duration', 'abc'], /--duration must be an integer/],
    [['--meters', '0'], /--meters must be an integer from 1/],
    [['--meters', '2.5'], /--meters/],
    [['--port', '70000'], /--port/],
    [['--replay-rate', '-3'], /--replay-rate/],
    [['--faults', 'lots'], /--faults/],
    [['--replay-rate', 'fast'], /--replay-rate must be a number/],
    [['--history-days', ''], /flag --history-days needs a value/],
    [['--meters'], /flag --meters needs a value/],
    [['--open=yes'], /flag --open takes no value/],
    [['--colour'], /unknown flag --colour/],
    [['--days', '30'], /unknown flag --days/],
    [['stray'], /unexpected argument "stray"/],
    [['--start', '2026-12-07T15:05'], /--start must lie on a quarter hour/],
    [['--start', 'tomorrow'], /--start must be a Berlin wall time/],
    [['--live-rate', '4'], /--live-rate applies to the simulated clock of --start/],
    [['--start', '2026-12-07T15:00', '--live-rate', '0'], /--live-rate/],
  ])('refuses %j with one line naming the flag', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(message);
    try {
      parseDemoArgs(argv);
    } catch (err) {
      expect((err as Error).name).toBe('UsageError');
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('lists every flag it accepts in its help, with the usage line first', () => {
    expect(DEMO_HELP.split('\n')[0]).toBe('Usage: npm run demo [-- options]');
    for (const flag of [
      '--meters N',
      '--history-days N',
      '--replay-rate N',
      '--faults SPEC',
      '--port N',
      '--ingest-port N',
      '--duration S',
      '--open',
      '--start INSTANT',
      '--live-rate N',
      '--no-dispatch',
      '--state-dir DIR',
      '-h, --help',
    ])
      expect(DEMO_HELP).toContain(flag);
    expect(DEMO_HELP).toMatch(/Exit codes: 0 .*, 2 bad flags, 1 /);
  });
});

describe('a simulated start (--start, --live-rate, --no-dispatch)', () => {
  it('reads a Berlin wall time (winter and summer) or a zoned instant, and the live part’s rate', () => {
    expect(
      parseDemoArgs([
        '--start',
        '2026-12-07T15:00',
        '--live-rate',
        '4',
        '--no-dispatch',
        '--state-dir',
        '/tmp/d',
      ]),
    ).toMatchObject({
      startMs: Date.parse('2026-12-07T14:00:00Z'),
      liveRate: 4,
      dispatch: false,
      stateDir: '/tmp/d',
    });
    expect(parseDemoArgs(['--start', '2026-07-08T15:00'])).toMatchObject({
      startMs: Date.parse('2026-07-08T13:00:00Z'),
      liveRate: 1,
      dispatch: true,
    });
    expect(parseDemoArgs(['--start', '2026-12-07T14:45:00Z'])).toMatchObject({
      startMs: Date.parse('2026-12-07T14:45:00Z'),
    });
  });

  it('runs the timeline from the simulated start: history up to its midnight, the day replayed up to it', () => {
    expect(demoTimeline(Date.parse('2026-12-07T14:00:00Z'), 60)).toMatchObject({
      historyEnd: '2026-12-06T23:00:00.000Z',
      replayEnd: '2026-12-07T14:00:00.000Z',
    });
  });
});

describe('the demo timeline', () => {
  it('backfills whole Berlin days up to midnight, then replays today up to the last quarter hour', () => {
    expect(demoTimeline(Date.parse('2026-12-01T13:07:31Z'), 14)).toEqual({
      historyStart: '2026-11-16T23:00:00.000Z',
      historyEnd: '2026-11-30T23:00:00.000Z',
      shownFrom: '2026-11-29T23:00:00.000Z',
      replayStart: '2026-11-30T23:00:00.000Z',
      replayEnd: '2026-12-01T13:00:00.000Z',
    });
  });

  it('keeps the same history window all day, so that a second start finds it (and its models) done', () => {
    const morning = demoTimeline(Date.parse('2026-12-01T06:20:00Z'), 63);
    const evening = demoTimeline(Date.parse('2026-12-01T21:50:00Z'), 63);
    expect([evening.historyStart, evening.historyEnd]).toEqual([morning.historyStart, morning.historyEnd]);
    expect(morning.replayEnd).toBe('2026-12-01T06:15:00.000Z');
  });

  it('counts Berlin days across the DST changes (23 and 25 hours)', () => {
    const spring = demoTimeline(Date.parse('2026-03-29T10:07:31Z'), 1);
    expect(spring).toMatchObject({
      historyStart: '2026-03-27T23:00:00.000Z',
      historyEnd: '2026-03-28T23:00:00.000Z', // midnight CET; the replay's day has 23 hours
    });
    const autumn = demoTimeline(Date.parse('2026-10-25T10:00:00Z'), 1);
    expect(autumn).toMatchObject({
      historyStart: '2026-10-23T22:00:00.000Z',
      historyEnd: '2026-10-24T22:00:00.000Z', // midnight CEST; the replay's day has 25 hours
    });
  });
});

describe("a demo run's consumer groups", () => {
  it('are its own: no group of one run is a group of another, each reads contract topics', () => {
    const first = Object.values(demoRunGroups(1_765_100_000_000));
    const second = Object.values(demoRunGroups(1_765_100_000_001));
    const ids = first.map((g) => g.groupId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.map((g) => g.groupId).filter((id) => ids.includes(id))).toEqual([]);
    for (const g of first) {
      expect(g.groupId).toMatch(/^gridwerk-[a-z-]+-demo-1765100000000$/);
      expect(g.topics.length).toBeGreaterThan(0);
      for (const t of g.topics) expect(TOPIC_NAMES).toContain(t);
    }
  });
});
