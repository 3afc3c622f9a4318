import { testOidcProvider } from '@gridwerk/shared/auth';
import { ServiceProcess } from '../../../e2e/service-process';
import { loadInfraConfig } from '../../../infra/infra-config';
import { keycloakCredentialsFile, keycloakUrl } from '../../../infra/keycloak';
import { freePort } from '../../../e2e/free-port';
import type { CityContext } from './stage';

/** The OIDC issuer the bench's services trust: Keycloak (started with the broker by withBenchTopics), as in the tests. */
export function benchOidcIssuer(): string {
  const cfg = loadInfraConfig();
  process.env['KEYCLOAK_URL'] ??= keycloakUrl(cfg);
  process.env['KEYCLOAK_CREDENTIALS_FILE'] ??= keycloakCredentialsFile(cfg);
  return testOidcProvider().issuer;
}

/**
 * grid-api (compiled bundle, as deployed) on the benchmark's database and topics, started once for the
 * stages that need it (alarms evaluated, visible). Its own database is the benchmark's: ingest's rollup
 * views and the topology are there, as in the single-database demo.
 */
export async function gridApi(ctx: CityContext): Promise<ServiceProcess> {
  const running = ctx.services.get('grid-api');
  if (running) return running;
  const suffix = Date.now().toString(36);
  const api = new ServiceProcess(
    'grid-api',
    await freePort(),
    {
      DATABASE_URL: ctx.databaseUrl,
      KAFKA_BROKERS: ctx.brokers,
      LOG_LEVEL: 'warn',
      OIDC_ISSUER_URL: benchOidcIssuer(),
      RATE_LIMIT_PER_MINUTE: '100000',
      GRID_API_CONSUMER_GROUP: `bench.city.grid-api.${suffix}`,
      GRID_API_LIVE_GROUP_PREFIX: `bench.city.live.${suffix}`,
      GRID_API_READINGS_TOPIC: ctx.topics.readings,
      GRID_API_TELEMETRY_TOPIC: ctx.topics.telemetry,
      GRID_API_ALERTS_TOPIC: `${ctx.topics.telemetry}.alerts`,
    },
    [],
    ctx.root,
  );
  ctx.services.set('grid-api', api);
  await api.start(180_000);
  return api;
}
