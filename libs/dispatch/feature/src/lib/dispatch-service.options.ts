import type { LogLevel } from '@gridwerk/shared/util-logging';
import type { PriceSource } from '@gridwerk/dispatch/data-access';
import type { Clock } from './clock';
import type { PlannerSettings } from './dispatch-planner';

export const DISPATCH_OPTIONS = Symbol('DISPATCH_OPTIONS');

/** What the dispatch service runs with: the app builds it from its validated config. */
export interface DispatchServiceOptions {
  service: string;
  logLevel: LogLevel;
  databaseUrl: string;
  planner: PlannerSettings;
  /** Minutes between cycles (a multiple of 15 dividing a day); cycles start on the quarter hours. */
  cycleMinutes: number;
  /** How long after the cycle's quarter hour it runs (the last quarter's telemetry arrives first). */
  cycleDelayMs: number;
  priceSource: PriceSource;
  topics: { telemetry: string; forecasts: string; commands: string; commandsV2: string };
  consumerGroup: string;
  leaderLockKey: bigint;
  leaderRetryMs: number;
  runMigrations: boolean;
  /** HiGHS worker threads: feeders solved at once (default 1). */
  solverWorkers?: number;
  /** Wall-clock limit per solve before its worker is terminated (default: time limit + 10 s). */
  solveTimeoutMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
}
