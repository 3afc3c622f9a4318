import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthHttpController } from './health.http.controller';
import { HealthRegistry, MetricsHttpController, MetricsService, OPS_OPTIONS, OpsOptions } from './metrics';

/** Health (Terminus) and Prometheus metrics for every service. */
@Module({})
export class OpsModule {
  static forRoot(opts: OpsOptions): DynamicModule {
    return {
      module: OpsModule,
      global: true,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [HealthHttpController, MetricsHttpController],
      providers: [{ provide: OPS_OPTIONS, useValue: opts }, MetricsService, HealthRegistry],
      exports: [MetricsService, HealthRegistry],
    };
  }
}
