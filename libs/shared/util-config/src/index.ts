export { cfg, ConfigError, describeConfig, loadConfig, serviceConfigSpec } from './service.config';
export type { ConfigOf, ConfigSpec, Env, FieldSpec } from './service.config';
export {
  choiceFlag,
  directoryFlag,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_PARTIAL,
  EXIT_USAGE,
  flagHelp,
  helpText,
  integerFlag,
  numberFlag,
  parseCommandLine,
  parseZonedInstant,
  UsageError,
} from './cli';
export type { FlagSpec, FlagTable, FlagValuesOf, ParsedCommandLine } from './cli';
export { runCliProcess, runCommandLineTool } from './cli-tool';
export type { CliIo, CommandLineTool, ExplainError } from './cli-tool';
