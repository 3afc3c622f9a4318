import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/**
 * The OpenAPI 3 document of grid-api. One builder for the served document (`/api/openapi.json`) and the
 * committed copy (`npm run grid-api:openapi` → apps/dashboard/src/api/openapi.json), so they cannot drift.
 */
export function gridApiOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Gridwerk grid-api')
    .setDescription(
      'Operator API of the control room: topology, load, forecasts, batteries, settlement status, alarms ' +
        '(ISA-18.2) and the live stream. Every route but health needs an OIDC bearer token. Every value ' +
        'carries observedAt (instant of the data) and ageS (its age at response time).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const doc = SwaggerModule.createDocument(app, config, { deepScanRoutes: true });
  return doc;
}

/** Stable JSON text of the document (what is committed and compared). */
export function openApiJson(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
