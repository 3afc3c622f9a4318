import { ForecastJobError } from './errors';
import { checkIssueTime, defaultIssueTime } from './horizon';
import { parseSeriesId } from './series-id';
import { parseGetForecastsQuery } from './usecases/get-forecasts.usecase';

describe('series ids', () => {
  it('parses feeder, substation, secondary substation, grid and custom ids', () => {
    expect(parseSeriesId('feeder:UW-01-F03')).toEqual({
      id: 'feeder:UW-01-F03',
      kind: 'feeder',
      nodeId: 'UW-01-F03',
    });
    expect(parseSeriesId('substation:UW-01')).toEqual({
      id: 'substation:UW-01',
      kind: 'substation',
      nodeId: 'UW-01',
    });
    expect(parseSeriesId('secondary-substation:ONS-0001')).toEqual({
      id: 'secondary-substation:ONS-0001',
      kind: 'secondary-substation',
      nodeId: 'ONS-0001',
    });
    expect(parseSeriesId(' grid ')).toEqual({ id: 'grid', kind: 'grid', nodeId: 'grid' });
    expect(parseSeriesId('custom:school_7')).toMatchObject({ kind: 'custom', nodeId: 'school_7' });
  });

  it('rejects anything else with SERIES.BAD_ID, an input error', () => {
    for (const bad of [
      'feeder:',
      'pole:1',
      'secondary-substation:',
      'feeder:a b',
      'grid:1',
      `feeder:${'x'.repeat(101)}`,
      "feeder:x';drop",
    ]) {
      let err: unknown;
      try {
        parseSeriesId(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ForecastJobError);
      expect((err as ForecastJobError).code).toBe('SERIES.BAD_ID');
      expect((err as ForecastJobError).isInputError).toBe(true);
    }
  });
});

describe('issue times', () => {
  it('defaults intraday to now floored to the quarter hour and day-ahead to today 10:00 Berlin', () => {
    const now = Date.parse('2025-06-18T13:07:12Z');
    expect(new Date(defaultIssueTime('intraday', 600, now)).toISOString()).toBe('2025-06-18T13:00:00.000Z');
    expect(new Date(defaultIssueTime('day-ahead', 600, now)).toISOString()).toBe('2025-06-18T08:00:00.000Z');
    expect(
      new Date(defaultIssueTime('day-ahead', 600, Date.parse('2025-01-10T23:30:00Z'))).toISOString(),
    ).toBe('2025-01-11T09:00:00.000Z');
  });

  it('requires quarter-hour alignment, and day-ahead before the noon gate closure', () => {
    expect(() => checkIssueTime('intraday', Date.parse('2025-06-18T13:05:00Z'))).toThrow(/quarter hour/);
    expect(() => checkIssueTime('day-ahead', Date.parse('2025-06-18T10:00:00Z'))).toThrow(/before 12:00/);
    expect(() => checkIssueTime('day-ahead', Date.parse('2025-06-18T09:45:00Z'))).not.toThrow();
  });
});

describe('GET /forecasts query', () => {
  const base = { seriesId: 'feeder:F1', from: '2025-03-20T00:00:00Z', to: '2025-03-21T00:00:00Z' };

  it('validates into a typed query with day-ahead as the default horizon', () => {
    expect(parseGetForecastsQuery(base)).toEqual({
      seriesId: 'feeder:F1',
      horizon: 'day-ahead',
      fromMs: Date.parse(base.from),
      toMs: Date.parse(base.to),
    });
    expect(parseGetForecastsQuery({ ...base, horizon: 'intraday' }).horizon).toBe('intraday');
  });

  it('names the bad parameter', () => {
    expect(() => parseGetForecastsQuery({ ...base, horizon: 'weekly' })).toThrow(/"horizon"/);
    expect(() => parseGetForecastsQuery({ ...base, from: undefined })).toThrow(/"from" is required/);
    expect(() => parseGetForecastsQuery({ ...base, to: '2025-03-21 00:00' })).toThrow(
      /"to" must be an ISO-8601/,
    );
    expect(() => parseGetForecastsQuery({ ...base, to: base.from })).toThrow(/before "to"/);
    expect(() => parseGetForecastsQuery({ ...base, to: '2025-09-01T00:00:00Z' })).toThrow(/at most 93 days/);
    expect(() => parseGetForecastsQuery({ ...base, seriesId: 'x' })).toThrow(/SERIES.BAD_ID/);
  });
});
