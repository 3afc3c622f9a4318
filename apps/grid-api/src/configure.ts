import type { INestApplication } from '@nestjs/common';
import { createGridApiOpenApiDocument, OpenApiDocumentHolder } from './openapi';

/** Request-level settings of the HTTP server, and the OpenAPI document built once from the controllers. */
export function configureGridApi(app: INestApplication): void {
  const http = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void };
  // no `X-Powered-By: Express`; one value per query key is checked by RequestShapePipe
  http.set('x-powered-by', false);
  app.get(OpenApiDocumentHolder).set(createGridApiOpenApiDocument(app));
}
