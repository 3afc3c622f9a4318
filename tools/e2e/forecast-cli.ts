import { type CliResult, runAppCli } from './app-cli';

/** `npm run forecast -- <args>` as a real process, the way a CronJob runs it (exit code, stdout, stderr). */
export function runForecastCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<CliResult> {
  return runAppCli('forecast', args, env, timeoutMs);
}
