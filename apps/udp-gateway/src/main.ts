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
    const server = app.getHttpServer() as {
      requestTimeout: number;
      headersTimeout: number;
      keepAliveTimeout: number;
    };
    server.requestTimeout = config.statementTimeoutMs * 3;
    server.headersTimeout = 10_000;
    // Idle keep-alive connections outlive the client's and a proxy's idle timeouts (typically 60 s): with
    // Node's 5 s default, a client reusing a connection just as the server closes it gets "other side
    // closed" instead of an answer (seen in the conformance suite on a loaded machine).
    server.keepAliveTimeout = 65_000;
  },
});
