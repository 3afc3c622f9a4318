export { createServiceApp, runService } from './bootstrap';
export { HealthHttpController } from './health.http.controller';
export { HealthRegistry, MetricsService, OPS_OPTIONS } from './metrics';
export type { HealthContributor, OpsOptions } from './metrics';
export { OpsModule } from './ops.module';
export type { ServiceDefinition } from './bootstrap';
export { loadServiceConfig, platformConfigSpec, PlatformModule } from './platform';
export type { PlatformConfig } from './platform';
export { MAX_PARAM_LENGTH, RequestShapePipe } from './request-shape.pipe';
