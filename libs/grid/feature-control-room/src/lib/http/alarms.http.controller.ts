import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  Alarm,
  ALARM_STATES,
  AlarmAction,
  AlarmState,
  groupByNode,
  groupFloods,
} from '@gridwerk/grid/alarms';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import { badRequest, ControlRoomErrorFilter } from '../errors';
import { AlarmService, PerimeterService, TopologyService } from '../services';
import {
  AlarmDto,
  AlarmListDto,
  AuditEntryDto,
  CommentBodyDto,
  FloodDto,
  OptionalCommentBodyDto,
  ShelveBodyDto,
} from './dto';
import { AuditRepository } from '@gridwerk/grid/read-model';
import { Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { GRID_POOL } from '../control-room.config';
import { ageS, alarmIdParam, body, comment, instant, nodeIdParam, onlyKeys, timeRange } from './params';

@ApiTags('alarms')
@ApiBearerAuth()
@UseFilters(ControlRoomErrorFilter)
@Controller('api/v1')
export class AlarmsHttpController {
  constructor(
    private readonly alarms: AlarmService,
    private readonly perimeters: PerimeterService,
    private readonly topology: TopologyService,
    @Inject(GRID_POOL) private readonly pool: Pool,
  ) {}

  private dto(a: Alarm, now = Date.now()): AlarmDto {
    return { ...this.alarms.view(a), ageS: ageS(a.observedAt, now) };
  }

  @Get('alarms')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({ summary: 'Alarms (newest change first), grouped by node, with the flood indicator' })
  @ApiQuery({
    name: 'state',
    required: false,
    description: `comma-separated: ${ALARM_STATES.join(', ')}; default: all but cleared`,
  })
  @ApiQuery({ name: 'nodeId', required: false })
  @ApiOkResponse({ type: AlarmListDto })
  async list(
    @CurrentUser() user: AuthUser,
    @Query('state') state?: string,
    @Query('nodeId') node?: string,
  ): Promise<AlarmListDto> {
    const states = (state ?? ALARM_STATES.filter((s) => s !== 'cleared').join(','))
      .split(',')
      .map((s) => s.trim());
    for (const s of states)
      if (!(ALARM_STATES as readonly string[]).includes(s)) throw badRequest(`unknown state ${s}`);
    const nodeId = node === undefined ? undefined : nodeIdParam(node);
    const perimeter = await this.perimeters.perimeterOf(user);
    const items = await this.alarms.list(
      { states: states as AlarmState[], ...(nodeId ? { nodeIds: [nodeId] } : {}) },
      perimeter,
    );
    const now = Date.now();
    const flood = await this.alarms.flood(new Date(now));
    const index = this.topology.index;
    const floods = groupFloods(items, new Date(now).toISOString(), {
      // a station's, feeder's or meter's alarms are grouped under its substation (the storm's parent)
      parentOf: (id) => {
        const sub = index.substationOf.get(id);
        return sub === id ? undefined : sub;
      },
    });
    return {
      items: items.map((a) => this.dto(a, now)),
      groups: groupByNode(items).map((g) => ({ ...g, alarmIds: [...g.alarmIds] })),
      floodGroups: floods.groups.map((g) => ({ ...g, alarmIds: [...g.alarmIds] })),
      rate: floods.rate,
      flood: { ...flood, observedAt: new Date(now).toISOString(), ageS: 0 },
    };
  }

  @Get('alarms/flood')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({ summary: 'Flood indicator: more than 10 alarms raised in 10 minutes' })
  @ApiOkResponse({ type: FloodDto })
  async flood(): Promise<FloodDto> {
    const now = Date.now();
    return { ...(await this.alarms.flood(new Date(now))), observedAt: new Date(now).toISOString(), ageS: 0 };
  }

  @Get('alarms/:id/audit')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({ summary: 'The audit trail of one alarm (who, what, when, why)' })
  @ApiOkResponse({ type: [AuditEntryDto] })
  async audit(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<AuditEntryDto[]> {
    return this.alarms.auditOf(alarmIdParam(id), await this.perimeters.perimeterOf(user));
  }

  @Get('audit')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({ summary: 'The audit log over a time range (at most 31 days)' })
  @ApiQuery({ name: 'from', required: false, description: 'UTC instant (default: 24 h before to)' })
  @ApiQuery({ name: 'to', required: false })
  @ApiOkResponse({ type: [AuditEntryDto] })
  async auditLog(
    @CurrentUser() user: AuthUser,
    @Query('from') f?: string,
    @Query('to') t?: string,
  ): Promise<AuditEntryDto[]> {
    const { from, to } = timeRange(f, t, 31 * 86_400_000, 86_400_000);
    const perimeter = await this.perimeters.perimeterOf(user);
    const entries = await new AuditRepository().between(this.pool, from, to, 5000);
    // a user with a perimeter sees the entries about nodes inside it
    return perimeter === undefined
      ? entries
      : entries.filter((e) => e.target !== null && this.topology.index.visible(e.target, perimeter));
  }

  private async act(user: AuthUser, id: string, action: AlarmAction): Promise<AlarmDto> {
    const perimeter = await this.perimeters.perimeterOf(user);
    return this.dto(await this.alarms.act(alarmIdParam(id), user, perimeter, action));
  }

  private actor(user: AuthUser) {
    return { sub: user.sub, username: user.username };
  }

  @Post('alarms/:id/acknowledge')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Acknowledge with a comment; other operators see who took the alarm' })
  @ApiBody({ type: CommentBodyDto })
  @ApiOkResponse({ type: AlarmDto })
  acknowledge(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() raw: unknown,
  ): Promise<AlarmDto> {
    const b = body(raw);
    onlyKeys(b, ['comment']);
    return this.act(user, id, {
      kind: 'acknowledge',
      by: this.actor(user),
      comment: comment(b['comment'], true) ?? '',
    });
  }

  @Post('alarms/:id/shelve')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Shelve until an instant (expires by itself)' })
  @ApiBody({ type: ShelveBodyDto })
  @ApiOkResponse({ type: AlarmDto })
  shelve(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() raw: unknown): Promise<AlarmDto> {
    const b = body(raw);
    onlyKeys(b, ['until', 'comment']);
    const until = instant(b['until'], 'until').toISOString();
    return this.act(user, id, {
      kind: 'shelve',
      by: this.actor(user),
      until,
      comment: comment(b['comment'], true) ?? '',
    });
  }

  @Post('alarms/:id/unshelve')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'End shelving now' })
  @ApiBody({ type: OptionalCommentBodyDto, required: false })
  @ApiOkResponse({ type: AlarmDto })
  unshelve(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<AlarmDto> {
    return this.act(user, id, { kind: 'unshelve', by: this.actor(user) });
  }

  @Post('alarms/:id/out-of-service')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Take the alarm out of service (e.g. a broken sensor), with a comment' })
  @ApiBody({ type: CommentBodyDto })
  @ApiOkResponse({ type: AlarmDto })
  outOfService(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() raw: unknown,
  ): Promise<AlarmDto> {
    const b = body(raw);
    onlyKeys(b, ['comment']);
    return this.act(user, id, {
      kind: 'remove-from-service',
      by: this.actor(user),
      comment: comment(b['comment'], true) ?? '',
    });
  }

  @Post('alarms/:id/return-to-service')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Return the alarm to service' })
  @ApiBody({ type: OptionalCommentBodyDto, required: false })
  @ApiOkResponse({ type: AlarmDto })
  returnToService(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() raw: unknown,
  ): Promise<AlarmDto> {
    const b =
      raw === undefined || raw === null || (typeof raw === 'object' && Object.keys(raw).length === 0)
        ? {}
        : body(raw);
    onlyKeys(b, ['comment']);
    const c = comment(b['comment'], false);
    return this.act(user, id, {
      kind: 'return-to-service',
      by: this.actor(user),
      ...(c ? { comment: c } : {}),
    });
  }
}
