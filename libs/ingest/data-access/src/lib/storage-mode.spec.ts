import { assertSupportedTimescaleVersion, compareVersions } from './storage-mode';
import { MIN_TIMESCALEDB_VERSION } from './storage-settings';

describe('the minimum TimescaleDB version', () => {
  it('compares versions numerically, part by part', () => {
    expect(compareVersions('2.23.1', '2.23.1')).toBe(0);
    expect(compareVersions('2.9.3', '2.23.1')).toBeLessThan(0);
    expect(compareVersions('2.28.3', '2.23.1')).toBeGreaterThan(0);
    expect(compareVersions('2.23', '2.23.1')).toBeLessThan(0);
    expect(compareVersions('2.30.0-dev', '2.30.0')).toBe(0);
    expect(compareVersions('10.0.0', '9.9.9')).toBeGreaterThan(0);
  });

  it('refuses an older installation with what is installed, what is needed and how to update', () => {
    expect(() => assertSupportedTimescaleVersion('2.22.1', MIN_TIMESCALEDB_VERSION)).toThrow(
      /INGEST\.TIMESCALEDB_TOO_OLD: TimescaleDB 2\.22\.1 is installed, the ingest schema needs 2\.23\.1 or newer.*ALTER EXTENSION timescaledb UPDATE/,
    );
    expect(() => assertSupportedTimescaleVersion('2.23.1', MIN_TIMESCALEDB_VERSION)).not.toThrow();
    expect(() => assertSupportedTimescaleVersion('2.28.3', MIN_TIMESCALEDB_VERSION)).not.toThrow();
  });
});
