import 'reflect-metadata';
import { runService } from '@gridwerk/shared/feature-ops';
import { UdpGatewayAppModule } from './app.module';
import { loadUdpGatewayConfig } from './config/udp-gateway.config';

/** Urban data platform gateway: the grid's open aggregates as OGC SensorThings (HTTP + MQTT). */
void runService({
  service: 'udp-gateway',
  loadConfig: () => loadUdpGatewayConfig(),
  module: (config) => UdpGatewayAppModule.forRoot(config),
  configure: (app, config) => {
    const http = app.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void };
    http.set('trust proxy', config.trustProxy);
    http.set('etag', false);
    const server = app.getHttpServer() as { requestTimeout: number; headersTimeout: number };
    server.requestTimeout = config.statementTimeoutMs * 3;
    server.headersTimeout = 10_000;
  },
});
