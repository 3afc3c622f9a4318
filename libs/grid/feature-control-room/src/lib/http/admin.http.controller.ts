import { Body, Controller, Get, Inject, Param, Put, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { DEFAULT_THRESHOLDS, effectiveThresholds } from '@gridwerk/grid/alarms';
import { AuditRepository, DEFAULT_PROFILE_ID, SettingsRepository } from '@gridwerk/grid/read-model';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import { GRID_POOL } from '../control-room.config';
import { badRequest, ControlRoomErrorFilter } from '../errors';
import { PerimeterService, ThresholdService, TopologyService } from '../services';
import { NodeThresholdsDto, PerimeterBodyDto, PerimeterDto, ThresholdsBodyDto, ThresholdsDto } from './dto';
import { body, comment, nodeIdParam, onlyKeys, subParam } from './params';

@ApiTags('admin')
@ApiBearerAuth()
@UseFilters(ControlRoomErrorFilter)
@Controller('api/v1')
export class AdminHttpController {
  private readonly settings = new SettingsRepository();

  constructor(
    @Inject(GRID_POOL) private readonly pool: Pool,
    private readonly thresholds: ThresholdService,
    private readonly perimeters: PerimeterService,
    private readonly topology: TopologyService,
  ) {}

  private async view(): Promise<ThresholdsDto> {
    const rows = await this.thresholds.rows();
    const defaults = this.thresholds.profile;
    return {
      defaults: { ...defaults },
      overrides: rows.find((r) => r.nodeId === DEFAULT_PROFILE_ID)?.overrides ?? {},
      nodes: rows
        .filter((r) => r.nodeId !== DEFAULT_PROFILE_ID)
        .map((r) => ({
          nodeId: r.nodeId,
          overrides: r.overrides,
          effective: { ...effectiveThresholds(defaults, r.overrides) },
          updatedAt: r.updatedAt,
          updatedBy: r.updatedBy,
        })),
    };
  }

  @Get('thresholds')
  @Roles('admin')
  @ApiOperation({ summary: 'The default threshold profile and every node override' })
  @ApiOkResponse({ type: ThresholdsDto })
  get(): Promise<ThresholdsDto> {
    return this.view();
  }

  @Put('thresholds')
  @Roles('admin')
  @ApiOperation({
    summary: 'Set the default profile (overrides of the built-in defaults; omitted fields inherit)',
  })
  @ApiBody({ type: ThresholdsBodyDto })
  @ApiOkResponse({ type: ThresholdsDto })
  async put(@CurrentUser() user: AuthUser, @Body() raw: unknown): Promise<ThresholdsDto> {
    const b = body(raw);
    onlyKeys(b, ['overrides', 'comment']);
    await this.thresholds.put(
      undefined,
      b['overrides'],
      { sub: user.sub, username: user.username },
      comment(b['comment'], false),
    );
    return this.view();
  }

  @Get('thresholds/:nodeId')
  @Roles('admin')
  @ApiOperation({ summary: 'Thresholds of one node' })
  @ApiOkResponse({ type: NodeThresholdsDto })
  async getNode(@Param('nodeId') raw: string): Promise<NodeThresholdsDto> {
    const nodeId = nodeIdParam(raw);
    const row = (await this.thresholds.rows()).find((r) => r.nodeId === nodeId);
    const overrides = row?.overrides ?? {};
    return {
      nodeId,
      overrides,
      effective: { ...effectiveThresholds(this.thresholds.profile, overrides) },
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  }

  @Put('thresholds/:nodeId')
  @Roles('admin')
  @ApiOperation({ summary: 'Set the overrides of one node (empty object: inherit everything)' })
  @ApiBody({ type: ThresholdsBodyDto })
  @ApiOkResponse({ type: NodeThresholdsDto })
  async putNode(
    @CurrentUser() user: AuthUser,
    @Param('nodeId') raw: string,
    @Body() rawBody: unknown,
  ): Promise<NodeThresholdsDto> {
    const nodeId = nodeIdParam(raw);
    if (!this.topology.index.kindOf.has(nodeId)) throw badRequest(`unknown node ${nodeId}`);
    const b = body(rawBody);
    onlyKeys(b, ['overrides', 'comment']);
    await this.thresholds.put(
      nodeId,
      b['overrides'],
      { sub: user.sub, username: user.username },
      comment(b['comment'], false),
    );
    return this.getNode(nodeId);
  }

  @Get('perimeters/:sub')
  @Roles('admin')
  @ApiOperation({ summary: "A user's perimeter (substation ids; null = whole grid)" })
  @ApiOkResponse({ type: PerimeterDto })
  async getPerimeter(@Param('sub') raw: string): Promise<PerimeterDto> {
    const sub = subParam(raw);
    const row = await this.settings.perimeter(this.pool, sub);
    return {
      sub,
      substationIds: row ? [...row.substationIds] : null,
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  }

  @Put('perimeters/:sub')
  @Roles('admin')
  @ApiOperation({ summary: "Set a user's perimeter (null removes it)" })
  @ApiBody({ type: PerimeterBodyDto })
  @ApiOkResponse({ type: PerimeterDto })
  async putPerimeter(
    @CurrentUser() user: AuthUser,
    @Param('sub') raw: string,
    @Body() rawBody: unknown,
  ): Promise<PerimeterDto> {
    const sub = subParam(raw);
    const b = body(rawBody);
    onlyKeys(b, ['substationIds', 'comment']);
    const ids = b['substationIds'];
    if (
      ids !== null &&
      (!Array.isArray(ids) || ids.length > 1000 || !ids.every((x) => typeof x === 'string'))
    )
      throw badRequest('substationIds must be null or an array of substation ids');
    const list = ids === null ? null : [...new Set(ids.map((x) => nodeIdParam(x, 'substationIds[]')))];
    const unknown = (list ?? []).filter((x) => this.topology.index.kindOf.get(x) !== 'substation');
    if (unknown.length > 0) throw badRequest(`not substations: ${unknown.join(', ')}`);
    const reason = comment(b['comment'], false);
    await withTransaction(this.pool, async (c) => {
      await this.settings.putPerimeter(c, sub, list, user.sub);
      await new AuditRepository().append(c, [
        {
          actorSub: user.sub,
          actorName: user.username,
          action: 'perimeter.put',
          target: sub,
          ...(reason ? { reason } : {}),
          detail: { substationIds: list },
        },
      ]);
    });
    this.perimeters.invalidate(sub);
    return this.getPerimeter(sub);
  }
}

export { DEFAULT_THRESHOLDS };
