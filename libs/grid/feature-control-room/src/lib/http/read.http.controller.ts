import { Controller, Get, Inject, Param, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { FactsRepository, LoadQueries, MAX_LOAD_RANGE_MS, type LoadLevel } from '@gridwerk/grid/read-model';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import { CONTROL_ROOM_CONFIG, type ControlRoomConfig, GRID_POOL, LOAD_POOL } from '../control-room.config';
import { ApiError, badRequest, ControlRoomErrorFilter, notFound } from '../errors';
import { LiveState, PerimeterService, TopologyService } from '../services';
import { BatteriesDto, ClockDto, ForecastDto, LoadDto, SettlementBatchDto, TopologyDto } from './dto';
import { ageS, nodeIdParam, timeRange } from './params';

const DAY = 86_400_000;

@ApiTags('control room')
@ApiBearerAuth()
@UseFilters(ControlRoomErrorFilter)
@Controller('api/v1')
export class ReadHttpController {
  private readonly loads = new LoadQueries();
  private readonly facts = new FactsRepository();

  constructor(
    @Inject(CONTROL_ROOM_CONFIG) private readonly config: ControlRoomConfig,
    @Inject(GRID_POOL) private readonly pool: Pool,
    @Inject(LOAD_POOL) private readonly loadPool: Pool,
    private readonly topology: TopologyService,
    private readonly perimeters: PerimeterService,
    private readonly live: LiveState,
  ) {}

  @Get('clock')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      "The control room's clock: the newest data instant, advanced by wall time since it moved (the alarm engine's now; on a replayed or simulated day that day's time)",
  })
  @ApiOkResponse({ type: ClockDto })
  clock(): ClockDto {
    const wallNow = Date.now();
    return {
      now: new Date(this.live.load.clockMs(wallNow)).toISOString(),
      wallNow: new Date(wallNow).toISOString(),
    };
  }

  @Get('topology')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary: 'Substations → feeders → secondary substations (rated kVA) → meter points, batteries',
  })
  @ApiOkResponse({ type: TopologyDto })
  async topologyTree(@CurrentUser() user: AuthUser): Promise<TopologyDto> {
    const perimeter = await this.perimeters.perimeterOf(user);
    const m = this.topology.index.model;
    const metersOf = new Map<string, string[]>();
    for (const x of m.meters)
      metersOf.set(x.secondarySubstationId, [...(metersOf.get(x.secondarySubstationId) ?? []), x.id]);
    return {
      substations: m.substations
        .filter((s) => perimeter === undefined || perimeter.includes(s.id))
        .map((s) => ({
          id: s.id,
          name: s.name,
          ratedMva: s.ratedMva,
          feeders: m.feeders
            .filter((f) => f.substationId === s.id)
            .map((f) => ({
              id: f.id,
              name: f.name,
              secondarySubstations: m.secondarySubstations
                .filter((ss) => ss.feederId === f.id)
                .map((ss) => {
                  const ids = metersOf.get(ss.id) ?? [];
                  return {
                    id: ss.id,
                    name: ss.name,
                    ratedKva: ss.ratedKva,
                    meterPoints: { count: ids.length, ids },
                    batteries: m.batteries
                      .filter((b) => b.secondarySubstationId === ss.id)
                      .map((b) => ({ assetId: b.id, nominalCapacityWh: b.nominalCapacityWh })),
                  };
                }),
            })),
        })),
    };
  }

  private async visibleNode(user: AuthUser, raw: unknown): Promise<{ nodeId: string; kind: LoadLevel }> {
    const nodeId = nodeIdParam(raw);
    const index = this.topology.index;
    const kind = index.kindOf.get(nodeId);
    const perimeter = await this.perimeters.perimeterOf(user);
    if (kind === undefined || kind === 'meter' || kind === 'battery' || !index.visible(nodeId, perimeter))
      throw notFound('NODE.NOT_FOUND', `no substation, feeder or secondary substation ${nodeId}`);
    return { nodeId, kind };
  }

  @Get('nodes/:nodeId/load')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      'Load of a node; resolution by range: raw ≤ 6 h, 15 min ≤ 35 d, 1 h ≤ 400 d; points capped (GRID_API_MAX_POINTS)',
  })
  @ApiParam({ name: 'nodeId', description: 'substation, feeder or secondary substation id' })
  @ApiQuery({ name: 'from', required: false, description: 'UTC instant (default: 24 h before to)' })
  @ApiQuery({ name: 'to', required: false, description: 'UTC instant, exclusive (default: now)' })
  @ApiOkResponse({ type: LoadDto })
  async load(
    @CurrentUser() user: AuthUser,
    @Param('nodeId') rawId: string,
    @Query('from') f?: string,
    @Query('to') t?: string,
  ): Promise<LoadDto> {
    const { nodeId, kind } = await this.visibleNode(user, rawId);
    const { from, to } = timeRange(f, t, MAX_LOAD_RANGE_MS, DAY);
    const series = await this.loads.load(this.loadPool, kind, nodeId, from, to, this.config.maxPoints);
    const last = series.points.at(-1);
    const observedAt = last ? new Date(Date.parse(last.t) + series.bucketS * 1000).toISOString() : null;
    const lv = this.live.load.value(nodeId);
    const rated = this.topology.index.live.ratedKvaOfStation.get(nodeId);
    const now = Date.now();
    return {
      nodeId,
      nodeKind: kind,
      from: from.toISOString(),
      to: to.toISOString(),
      resolution: series.resolution,
      bucketS: series.bucketS,
      ...(rated !== undefined ? { ratedKva: rated } : {}),
      points: [...series.points],
      observedAt,
      ageS: ageS(observedAt, now),
      live: lv
        ? {
            powerW: lv.powerW,
            metersReporting: lv.metersReporting,
            observedAt: lv.observedAt,
            ageS: ageS(lv.observedAt, now),
            stale: now - Date.parse(lv.observedAt) > this.config.staleAfterS * 1000,
          }
        : null,
    };
  }

  @Get('nodes/:nodeId/forecast')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({ summary: 'P10/P50/P90 forecast (latest issue per step) against the metered actual' })
  @ApiParam({
    name: 'nodeId',
    description:
      'feeder, substation or secondary substation id (forecast series feeder:<id>, substation:<id>, secondary-substation:<id>)',
  })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'horizon', required: false, enum: ['intraday', 'day-ahead'] })
  @ApiOkResponse({ type: ForecastDto })
  async forecast(
    @CurrentUser() user: AuthUser,
    @Param('nodeId') rawId: string,
    @Query('from') f?: string,
    @Query('to') t?: string,
    @Query('horizon') h?: string,
  ): Promise<ForecastDto> {
    const { nodeId, kind } = await this.visibleNode(user, rawId);
    const horizon = h ?? 'day-ahead';
    if (horizon !== 'intraday' && horizon !== 'day-ahead')
      throw badRequest('horizon must be intraday or day-ahead');
    const now = Date.now();
    const { from, to } = timeRange(
      f ?? new Date(now - DAY).toISOString().replace(/\.\d+Z$/, 'Z'),
      t ?? new Date(now + DAY).toISOString().replace(/\.\d+Z$/, 'Z'),
      35 * DAY,
      2 * DAY,
      now,
    );
    const seriesId = kind === 'secondary_substation' ? `secondary-substation:${nodeId}` : `${kind}:${nodeId}`;
    const points = await this.facts.forecast(this.pool, seriesId, horizon, from, to, this.config.maxPoints);
    const actual = new Map(
      (await this.loads.actual15m(this.loadPool, kind, nodeId, from, to, this.config.maxPoints * 4)).map(
        (a) => [a.t, a.netWh],
      ),
    );
    const step = points[0]?.stepMinutes ?? 15;
    const latest = points.reduce<(typeof points)[number] | undefined>(
      (b, p) => (!b || p.issueTime > b.issueTime ? p : b),
      undefined,
    );
    const actualOf = (t0: string): number | null => {
      if (step === 15) return actual.get(t0) ?? null;
      const n = step / 15;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = actual.get(new Date(Date.parse(t0) + i * 900_000).toISOString());
        if (v === undefined) return null;
        sum += v;
      }
      return sum;
    };
    return {
      nodeId,
      seriesId,
      horizon,
      modelVersion: latest?.modelVersion ?? null,
      issuedAt: latest?.issueTime ?? null,
      stepMinutes: step,
      points: points.map((p) => ({
        t: p.targetStart,
        p10Wh: p.p10Wh,
        p50Wh: p.p50Wh,
        p90Wh: p.p90Wh,
        actualWh: actualOf(p.targetStart),
        issuedAt: p.issueTime,
        modelVersion: p.modelVersion,
      })),
      observedAt: latest?.issueTime ?? null,
      ageS: ageS(latest?.issueTime, now),
    };
  }

  @Get('batteries')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({ summary: 'The battery fleet: SoC, power, SoH, availability, last command' })
  @ApiOkResponse({ type: BatteriesDto })
  async batteries(@CurrentUser() user: AuthUser): Promise<BatteriesDto> {
    const perimeter = await this.perimeters.perimeterOf(user);
    const index = this.topology.index;
    const known = index.model.batteries.map((b) => b.id);
    const rows = await this.facts.batteries(this.pool);
    const byId = new Map(rows.map((r) => [r.assetId, r]));
    const ids = [...new Set([...known, ...rows.map((r) => r.assetId)])].filter((id) =>
      index.visible(id, perimeter),
    );
    const now = Date.now();
    const items = ids.sort().map((id) => {
      const live = this.live.batteries.get(id);
      const r = byId.get(id);
      const observedAt =
        live && (!r?.observedAt || live.time > r.observedAt) ? live.time : (r?.observedAt ?? null);
      const fromLive = live !== undefined && observedAt === live.time;
      const mode = fromLive ? live.mode : (r?.mode ?? null);
      const stale = observedAt !== null && now - Date.parse(observedAt) > this.config.staleAfterS * 1000;
      const availability =
        observedAt === null
          ? 'unknown'
          : stale
            ? 'stale'
            : mode === 'fault' || mode === 'maintenance'
              ? 'unavailable'
              : 'available';
      return {
        assetId: id,
        secondarySubstationId: index.live.stationOfBattery.get(id) ?? null,
        substationId: index.substationOf.get(id) ?? null,
        stateOfChargePct: fromLive ? live.stateOfChargePct : (r?.stateOfChargePct ?? null),
        powerW: fromLive ? live.powerW : (r?.powerW ?? null),
        stateOfHealthPct: fromLive ? live.stateOfHealthPct : (r?.stateOfHealthPct ?? null),
        temperatureC: fromLive ? live.temperatureC : (r?.temperatureC ?? null),
        usableCapacityWh: fromLive ? live.usableCapacityWh : (r?.usableCapacityWh ?? null),
        mode,
        control: fromLive ? (live.control ?? null) : (r?.control ?? null),
        availability,
        lastCommand: r?.lastCommand
          ? { ...r.lastCommand, ageS: ageS(r.lastCommand.issuedAt, now) ?? 0 }
          : null,
        observedAt,
        ageS: ageS(observedAt, now),
      };
    });
    const newest = items.reduce<string | null>(
      (t, b) => (b.observedAt && (!t || b.observedAt > t) ? b.observedAt : t),
      null,
    );
    return { items, observedAt: newest, ageS: ageS(newest, now) };
  }

  @Get('settlement/batches')
  @Roles('viewer', 'operator', 'billing', 'admin')
  @ApiOperation({
    summary: 'Settlement batches per community and interval (empty until settlement publishes)',
  })
  @ApiQuery({ name: 'communityId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'UTC instant (default: 7 days before to)' })
  @ApiQuery({ name: 'to', required: false })
  @ApiOkResponse({ type: [SettlementBatchDto] })
  async batches(
    @Query('communityId') c?: string,
    @Query('from') f?: string,
    @Query('to') t?: string,
  ): Promise<SettlementBatchDto[]> {
    const communityId = c === undefined ? undefined : nodeIdParam(c, 'communityId');
    const { from, to } = timeRange(f, t, 400 * DAY, 7 * DAY);
    const now = Date.now();
    const rows = await this.facts.batches(this.pool, communityId, from, to, this.config.maxPoints);
    return rows.map((b) => ({ ...b, observedAt: b.committedAt, ageS: ageS(b.committedAt, now) }));
  }
}

export { ApiError };
