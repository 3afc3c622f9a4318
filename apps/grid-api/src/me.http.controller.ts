import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, ROLES, type Role, Roles } from '@gridwerk/shared/auth';

export class MeView {
  @ApiProperty({ description: 'OIDC subject: the stable user id that audit entries name' })
  sub!: string;
  @ApiProperty({ description: 'what other operators see (preferred_username)' })
  username!: string;
  @ApiProperty({ enum: ROLES, isArray: true })
  roles!: Role[];
  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: 'substation ids the user may see; null: the whole grid',
  })
  perimeter!: string[] | null;
}

/** `GET /api/v1/me`: who the token says the caller is, with the perimeter an admin set. */
@ApiTags('me')
@Controller('api/v1/me')
export class MeHttpController {
  @Get()
  @Roles('viewer', 'operator', 'billing', 'admin')
  @ApiOperation({ operationId: 'getMe', summary: 'The caller: subject, username, roles and perimeter' })
  @ApiOkResponse({ type: MeView })
  me(@CurrentUser() user: AuthUser): MeView {
    return {
      sub: user.sub,
      username: user.username,
      roles: [...user.roles],
      perimeter: user.perimeter ? [...user.perimeter] : null,
    };
  }
}
