import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Roles } from '@gridwerk/shared/auth';
import { OpenApiDocumentHolder } from './openapi';

/** `GET /api/openapi.json`: the API's own description, for any authenticated user. */
@ApiTags('meta')
@Controller('api')
export class OpenApiHttpController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get('openapi.json')
  @Roles('viewer', 'operator', 'billing', 'admin')
  @ApiOperation({ operationId: 'getOpenApiDocument', summary: 'This OpenAPI 3 document' })
  @ApiOkResponse({ description: 'the OpenAPI 3 document', schema: { type: 'object' } })
  document(): OpenAPIObject {
    return this.holder.get();
  }
}
