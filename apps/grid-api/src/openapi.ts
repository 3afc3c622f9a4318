import { INestApplication, Injectable } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ROLES } from '@gridwerk/shared/auth';

export const BEARER_SCHEME = 'bearer';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    code: { type: 'string', description: 'stable machine-readable code, e.g. AUTH.TOKEN_EXPIRED' },
    message: { type: 'string' },
  },
};

const ERROR_RESPONSES = {
  '401':
    'no, invalid, expired or foreign bearer token (AUTH.TOKEN_MISSING, AUTH.TOKEN_INVALID, AUTH.TOKEN_EXPIRED, AUTH.SIGNATURE_INVALID, AUTH.ISSUER_MISMATCH, AUTH.AUDIENCE_MISMATCH)',
  '403': "none of the caller's roles may call this route (AUTH.FORBIDDEN)",
  '429': 'rate limit exceeded (REQUEST.RATE_LIMITED); see Retry-After',
} as const;

/**
 * grid-api's OpenAPI 3 document, built from the app's controllers: every operation requires the bearer
 * token and lists its roles (`x-gridwerk-roles`, admin-only where none is declared) and its error
 * responses. The served document (`GET /api/openapi.json`) and a generated copy (`preview: true`
 * app, no connections) come from this one function, so they are equal.
 */
export function createGridApiOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Gridwerk grid-api')
    .setDescription(
      `Control-room API of Gridwerk: topology, load, forecasts, batteries, settlement status, alarms and the live stream. Every operation needs an OIDC bearer access token (audience gridwerk-api) with one of the roles it lists in x-gridwerk-roles (${ROLES.join(', ')}).`,
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Error: ERROR_SCHEMA } };
  for (const item of Object.values(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      const ext = op as unknown as Record<string, unknown>;
      ext['x-gridwerk-roles'] ??= ['admin'];
      for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
        op.responses[status] ??= {
          description,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      }
    }
  }
  return doc;
}

/** Holds the document built at start-up (`configureGridApi`) for the controller that serves it. */
@Injectable()
export class OpenApiDocumentHolder {
  private doc: OpenAPIObject | undefined;

  set(doc: OpenAPIObject): void {
    this.doc = doc;
  }

  get(): OpenAPIObject {
    if (!this.doc) throw new Error('the OpenAPI document is built in configureGridApi before listening');
    return this.doc;
  }
}
