export { cfg, ConfigError, describeConfig, loadConfig, serviceConfigSpec } from './service.config';
export type { ConfigOf, ConfigSpec, Env, FieldSpec } from './service.config';
