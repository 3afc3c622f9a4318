import type { INestApplication } from '@nestjs/common';
import type { GridApiConfig } from './config/grid-api.config';
import { securityHeaders } from './http/security-headers';
import { createGridApiOpenApiDocument, OpenApiDocumentHolder } from './openapi';

/** Express's "trust proxy" from GRID_API_TRUST_PROXY: `none` trusts no proxy (req.secure = TLS on the socket). */
export function trustProxySetting(list: readonly string[]): false | string[] {
  return list.length === 1 && list[0] === 'none' ? false : [...list];
}

/**
 * Request-level settings of the HTTP server, the security headers of every response, and the OpenAPI
 * document built once from the controllers.
 */
export function configureGridApi(
  app: INestApplication,
  config: Pick<GridApiConfig, 'oidcIssuerUrl' | 'trustProxy' | 'hstsMaxAgeS'>,
): void {
  const http = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void };
  // no `X-Powered-By: Express`; one value per query key is checked by RequestShapePipe
  http.set('x-powered-by', false);
  http.set('trust proxy', trustProxySetting(config.trustProxy));
  // registered before any route and the dashboard's files: errors and 404s carry the headers too
  app.use(securityHeaders({ oidcIssuerUrl: config.oidcIssuerUrl, hstsMaxAgeS: config.hstsMaxAgeS }));
  app.get(OpenApiDocumentHolder).set(createGridApiOpenApiDocument(app));
}
