import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  Param,
  Post,
  Put,
  Delete,
  Query,
  HttpCode,
} from '@nestjs/common';
import { CurrentUser, Roles, type AuthUser } from '@gridwerk/shared/auth';
import {
  CommunityRepository,
  SettlementDataError,
  SettlementRepository,
} from '@gridwerk/settlement/data-access';
import {
  CreateCommunityBody,
  parseInput,
  RangeQuery,
  RemoveMemberBody,
  SetKeyBody,
  SetMemberBody,
  SetPriceBody,
  toHttpError,
} from './http-validation';

export const SETTLEMENT_POOL_REPOS = Symbol('SETTLEMENT_POOL_REPOS');
export interface SettlementRepos {
  readonly communities: CommunityRepository;
  readonly settlement: SettlementRepository;
}

const METER = /^DE[0-9A-Z]{31}$/;

async function handle<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHttpError(err);
  }
}

const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v, bigints)) as T;

/**
 * Communities, members, keys and prices (`admin` manages, `billing` reads), batches, proofs and monthly
 * statements (`billing`). Every change is versioned with its effective-from instant and audited with the
 * caller's identity.
 */
@Controller('api/v1/settlement')
export class CommunitiesHttpController {
  constructor(@Inject(SETTLEMENT_POOL_REPOS) private readonly repos: SettlementRepos) {}

  @Get('communities')
  @Roles('billing', 'admin')
  list() {
    return this.repos.communities.list();
  }

  @Post('communities')
  @Roles('admin')
  create(@Body() body: unknown, @CurrentUser() user: AuthUser) {
    const b = parseInput(CreateCommunityBody, body);
    return handle(async () => {
      await this.repos.communities.create({
        ...b,
        key: b.key,
        actor: user.username,
      });
      return this.repos.communities.get(b.communityId);
    });
  }

  @Get('communities/:id')
  @Roles('billing', 'admin')
  get(@Param('id') id: string) {
    return handle(() => this.repos.communities.get(id));
  }

  @Put('communities/:id/members/:meterPointId')
  @Roles('admin')
  setMember(
    @Param('id') id: string,
    @Param('meterPointId') meterPointId: string,
    @Body() body: unknown,
    @CurrentUser() user: AuthUser,
  ) {
    this.meter(meterPointId);
    const b = parseInput(SetMemberBody, body);
    return handle(() =>
      this.repos.communities.setMember({
        communityId: id,
        meterPointId,
        role: b.role,
        effectiveFrom: b.effectiveFrom,
        actor: user.username,
      }),
    );
  }

  @Delete('communities/:id/members/:meterPointId')
  @Roles('admin')
  removeMember(
    @Param('id') id: string,
    @Param('meterPointId') meterPointId: string,
    @Query() query: unknown,
    @CurrentUser() user: AuthUser,
  ) {
    this.meter(meterPointId);
    const q = parseInput(RemoveMemberBody, query);
    return handle(() =>
      this.repos.communities.setMember({
        communityId: id,
        meterPointId,
        role: null,
        effectiveFrom: q.effectiveFrom,
        actor: user.username,
      }),
    );
  }

  @Put('communities/:id/key')
  @Roles('admin')
  @HttpCode(200)
  setKey(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: AuthUser) {
    const b = parseInput(SetKeyBody, body);
    return handle(async () => ({
      version: await this.repos.communities.setKey({
        communityId: id,
        key: b.key,
        effectiveFrom: b.effectiveFrom,
        actor: user.username,
      }),
    }));
  }

  @Put('communities/:id/price')
  @Roles('admin')
  setPrice(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: AuthUser) {
    const b = parseInput(SetPriceBody, body);
    return handle(async () => ({
      version: await this.repos.communities.setPrice({
        communityId: id,
        priceMilliCtPerKWh: b.priceMilliCtPerKWh,
        effectiveFrom: b.effectiveFrom,
        actor: user.username,
      }),
    }));
  }

  @Get('communities/:id/audit')
  @Roles('admin')
  audit(@Param('id') id: string) {
    return handle(async () => {
      await this.repos.communities.get(id);
      return this.repos.communities.auditTrail(id);
    });
  }

  @Get('communities/:id/batches')
  @Roles('billing', 'admin')
  batches(@Param('id') id: string, @Query() query: unknown) {
    const q = parseInput(RangeQuery, query);
    return handle(async () => plain(await this.repos.settlement.batchesOf(id, q.from, q.to)));
  }

  @Get('communities/:id/statement')
  @Roles('billing', 'admin')
  statement(@Param('id') id: string) {
    return handle(() => this.repos.settlement.monthlyStatement(id));
  }

  @Get('transactions/:transactionId/proof')
  @Roles('billing', 'admin')
  proof(@Param('transactionId') transactionId: string) {
    return handle(async () => {
      const p = await this.repos.settlement.proofOf(transactionId);
      if (!p) throw new SettlementDataError('TRANSACTION.NOT_FOUND', `no transaction ${transactionId}`);
      return plain(p);
    });
  }

  private meter(id: string): void {
    if (!METER.test(id)) {
      throw new BadRequestException({
        code: 'REQUEST.INVALID',
        problems: [
          { path: '/meterPointId', message: 'must be DE followed by 31 uppercase letters or digits' },
        ],
      });
    }
  }
}
