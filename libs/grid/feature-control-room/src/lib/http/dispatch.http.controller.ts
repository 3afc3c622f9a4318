import { Controller, Get, Inject, Param, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { aboveRatingDay, DispatchPlanQueries, stationStepsInForce } from '@gridwerk/grid/read-model';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import { localDate, startOfLocalDayUtc } from '@gridwerk/shared/util-calendar';
import { DISPATCH_POOL } from '../control-room.config';
import { ControlRoomErrorFilter, notFound } from '../errors';
import { LiveState, PerimeterService, TopologyService } from '../services';
import { DispatchPlansDto, StationAboveRatingDto } from './dto';
import { ageS, nodeIdParam } from './params';

/**
 * Battery dispatch for the operators: the newest plan of each feeder and why it was made, from the view
 * dispatch publishes (`dispatch_plan_v1`; grid-api never reads dispatch's tables).
 */
@ApiTags('control room')
@ApiBearerAuth()
@UseFilters(ControlRoomErrorFilter)
@Controller('api/v1/dispatch')
export class DispatchHttpController {
  private readonly plans = new DispatchPlanQueries();

  constructor(
    @Inject(DISPATCH_POOL) private readonly pool: Pool,
    private readonly topology: TopologyService,
    private readonly perimeters: PerimeterService,
    private readonly live: LiveState,
  ) {}

  @Get('plans')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      'The newest dispatch plan per feeder: status, reason, cost by term, planned station loading against the rating with the binding reason, setpoints, and the batteries on their local rule with why',
  })
  @ApiQuery({ name: 'feederId', required: false })
  @ApiOkResponse({ type: DispatchPlansDto })
  async latest(@CurrentUser() user: AuthUser, @Query('feederId') f?: string): Promise<DispatchPlansDto> {
    const feederId = f === undefined ? undefined : nodeIdParam(f, 'feederId');
    const perimeter = await this.perimeters.perimeterOf(user);
    const index = this.topology.index;
    const rows = await this.plans.latestPerFeeder(this.pool, feederId === undefined ? undefined : [feederId]);
    const now = Date.now();
    const items = rows
      .filter((p) => index.visible(p.feederId, perimeter))
      .map((p) => ({
        ...p,
        stations: p.stations.map((s) => ({ ...s, steps: [...s.steps] })),
        batteries: p.batteries.map((b) => ({ ...b, setpoints: [...b.setpoints] })),
        fallback: [...p.fallback],
        costBreakdownCt: { ...p.costBreakdownCt },
        observedAt: p.createdAt,
        ageS: ageS(p.createdAt, now),
      }));
    const newest = items.reduce<string | null>((t, p) => (!t || p.createdAt > t ? p.createdAt : t), null);
    return { items, observedAt: newest, ageS: ageS(newest, now) };
  }

  @Get('stations/:stationId/above-rating')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      "Energy above a secondary substation's rating avoided by its batteries today (Europe/Berlin, by the control room's clock: GET /api/v1/clock), from the dispatch plans in force: per quarter hour max(0, P50 without batteries − rating) − max(0, planned − rating), × ¼ h",
  })
  @ApiOkResponse({ type: StationAboveRatingDto })
  async aboveRating(
    @CurrentUser() user: AuthUser,
    @Param('stationId') raw: string,
  ): Promise<StationAboveRatingDto> {
    const stationId = nodeIdParam(raw, 'stationId');
    const index = this.topology.index;
    const feederId = index.live.feederOfStation.get(stationId);
    const perimeter = await this.perimeters.perimeterOf(user);
    if (feederId === undefined || !index.visible(stationId, perimeter))
      throw notFound('NODE.NOT_FOUND', `no secondary substation ${stationId}`);
    // today by the control room's clock: on a replayed or simulated day, that day
    const wallNow = Date.now();
    const now = this.live.load.clockMs(wallNow);
    const d = localDate(now);
    const from = new Date(startOfLocalDayUtc(d.year, d.month, d.day));
    const to = new Date(now);
    const steps = await stationStepsInForce(this.pool, feederId, stationId, from, to);
    const day = aboveRatingDay(steps);
    const last = steps.at(-1);
    const observedAt = last ? new Date(last.intervalStartMs).toISOString() : null;
    return {
      secondarySubstationId: stationId,
      feederId,
      from: from.toISOString(),
      to: to.toISOString(),
      ...day,
      observedAt,
      ageS: ageS(observedAt, wallNow),
    };
  }
}
