import { type CliCommand } from './cli-command';
import { migrateCommand } from './migrate.handler';
import { relayCommand } from './relay-outbox.handler';
import { backtestCommand } from './run-backtest.handler';
import { runCommand } from './run-forecasts.handler';
import { trainCommand } from './train-models.handler';
import { weatherCommand } from './weather.handler';

/** Subcommands by name. */
export const COMMANDS: ReadonlyMap<string, CliCommand> = new Map(
  [backtestCommand, trainCommand, runCommand, weatherCommand, relayCommand, migrateCommand].map(
    (c) => [c.name, c] as const,
  ),
);

export * from './cli-command';
