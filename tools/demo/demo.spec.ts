import { demoTimeline, parseDemoArgs } from './demo';

describe('npm run demo flags', () => {
  it('has defaults that start the control room demo', () => {
    expect(parseDemoArgs([])).toEqual({
      meters: 300,
      historyDays: 14,
      replayRate: 30,
      faults: 'duplicate=0.002,malformed=0.001',
      port: 3004,
      ingestPort: 3001,
      durationS: undefined,
      open: false,
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
    [['--colour'], /Unknown option '--colour'/],
    [['stray'], /positional/i],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });
});

describe('the demo timeline', () => {
  it('backfills history up to a replay of the last 24 h, which ends on the last quarter hour', () => {
    const now = Date.parse('2026-03-29T10:07:31Z'); // the spring DST day in Berlin
    expect(demoTimeline(now, 14)).toEqual({
      historyStart: '2026-03-14T10:00:00.000Z',
      replayStart: '2026-03-28T10:00:00.000Z',
      replayEnd: '2026-03-29T10:00:00.000Z',
    });
  });
});
