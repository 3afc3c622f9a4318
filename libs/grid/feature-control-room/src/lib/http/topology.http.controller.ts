import { Controller, Get, Param, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import { badRequest, ControlRoomErrorFilter, notFound } from '../errors';
import { LiveState, PerimeterService, TopologyService } from '../services';
import { DEFAULT_PAGE, type LiveLookup, MAX_PAGE } from '../topology-catalogue';
import { TopologyNodeDto, TopologyStationPageDto, TopologySummaryDto } from './dto';
import { nodeIdParam } from './params';

const CURSOR = /^o([0-9]{1,7})$/;

/** `cursor` is opaque to clients: the offset in the listing's order, base64url-encoded. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url');
}

export function decodeCursor(v: string | undefined): number {
  if (v === undefined) return 0;
  const m = /^[A-Za-z0-9_-]{1,16}$/.test(v) ? CURSOR.exec(Buffer.from(v, 'base64url').toString()) : null;
  if (!m?.[1]) throw badRequest('cursor must be the nextCursor of a previous page');
  return Number(m[1]);
}

export function pageLimit(v: string | undefined): number {
  if (v === undefined) return DEFAULT_PAGE;
  const n = /^[0-9]{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE)) throw badRequest(`limit must be an integer from 1 to ${MAX_PAGE}`);
  return n;
}

export function loadingThreshold(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^[0-9]{1,4}(\.[0-9]{1,2})?$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 1000)) throw badRequest('minLoadingPct must be a number from 0 to 1000 (percent)');
  return n;
}

export function searchText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const q = v.trim();
  if (q.length === 0) return undefined;
  if (q.length > 100) throw badRequest('q must be at most 100 characters');
  return q;
}

/**
 * The topology at city scale, in pieces: the aggregated tree (substations → feeders with counts and live
 * loading), a paged station listing with search and a loading threshold, and single nodes. Replaces
 * `GET /api/v1/topology` (every meter id, 13 MB at 350,000 meters) for the dashboard; that route stays
 * for integrations that want the whole tree. Served from grid-api's in-memory topology and live state.
 */
@ApiTags('control room')
@ApiBearerAuth()
@UseFilters(ControlRoomErrorFilter)
@Controller('api/v1/topology')
export class TopologyHttpController {
  constructor(
    private readonly topology: TopologyService,
    private readonly perimeters: PerimeterService,
    private readonly live: LiveState,
  ) {}

  private readonly liveLookup: LiveLookup = (id) => {
    const v = this.live.load.value(id);
    return v && v.observedAt !== new Date(0).toISOString()
      ? { powerW: v.powerW, observedAt: v.observedAt }
      : undefined;
  };

  @Get('summary')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      'The whole grid aggregated: substations → feeders with station, meter point and battery counts, rated kVA, live power and station loading',
  })
  @ApiOkResponse({ type: TopologySummaryDto })
  async summary(@CurrentUser() user: AuthUser): Promise<TopologySummaryDto> {
    const perimeter = await this.perimeters.perimeterOf(user);
    return this.topology.index.catalogue.summary(perimeter, this.liveLookup);
  }

  @Get('stations')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      'Secondary substations, paged: search by id, name or street; filter by substation, feeder or live loading (then ordered by loading, highest first)',
  })
  @ApiQuery({
    name: 'q',
    required: false,
    description: 'substring of id, name or street; case and accents ignored, ss matches ß',
  })
  @ApiQuery({
    name: 'minLoadingPct',
    required: false,
    description: 'only stations loaded at least this % of rated kVA',
  })
  @ApiQuery({ name: 'substationId', required: false })
  @ApiQuery({ name: 'feederId', required: false })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `page size, 1-${MAX_PAGE} (default ${DEFAULT_PAGE})`,
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: TopologyStationPageDto })
  async stations(
    @CurrentUser() user: AuthUser,
    @Query('q') q?: string,
    @Query('minLoadingPct') minLoading?: string,
    @Query('substationId') substationId?: string,
    @Query('feederId') feederId?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<TopologyStationPageDto> {
    const query = {
      q: searchText(q),
      minLoadingPct: loadingThreshold(minLoading),
      substationId: substationId === undefined ? undefined : nodeIdParam(substationId, 'substationId'),
      feederId: feederId === undefined ? undefined : nodeIdParam(feederId, 'feederId'),
      limit: pageLimit(limit),
      offset: decodeCursor(cursor),
    };
    const perimeter = await this.perimeters.perimeterOf(user);
    const page = this.topology.index.catalogue.searchStations(query, perimeter, this.liveLookup);
    return {
      items: page.items,
      total: page.total,
      nextCursor: page.nextOffset === null ? null : encodeCursor(page.nextOffset),
    };
  }

  @Get('nodes/:nodeId')
  @Roles('viewer', 'operator', 'admin')
  @ApiOperation({
    summary:
      'One substation, feeder or secondary substation: its place in the tree, rating, batteries, children',
  })
  @ApiParam({ name: 'nodeId', description: 'substation, feeder or secondary substation id' })
  @ApiOkResponse({ type: TopologyNodeDto })
  async node(@CurrentUser() user: AuthUser, @Param('nodeId') raw: string): Promise<TopologyNodeDto> {
    const nodeId = nodeIdParam(raw);
    const index = this.topology.index;
    const node = index.catalogue.node(nodeId);
    const perimeter = await this.perimeters.perimeterOf(user);
    if (!node || !index.visible(nodeId, perimeter))
      throw notFound('NODE.NOT_FOUND', `no substation, feeder or secondary substation ${nodeId}`);
    return node;
  }
}
