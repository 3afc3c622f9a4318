import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@gridwerk/shared/data-access-database';
import {
  AllocationKey,
  CommunityMember,
  CommunityTerms,
  effectiveAt,
  MemberRole,
  validateKey,
  Versioned,
} from '@gridwerk/settlement/domain';
import { SettlementDataError } from './errors';
import { iso, num } from './settlement-db';

export interface CommunitySummary {
  communityId: string;
  name: string;
  createdAt: string;
  createdBy: string;
}

export interface MemberVersion {
  meterPointId: string;
  version: number;
  effectiveFrom: string;
  /** null: the metering point left the community at effectiveFrom. */
  role: MemberRole | null;
  changedBy: string;
  changedAt: string;
}

export interface CommunityDetail extends CommunitySummary {
  members: MemberVersion[];
  keys: (Versioned<AllocationKey> & { changedBy: string; changedAt: string })[];
  prices: (Versioned<number> & { changedBy: string; changedAt: string })[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  communityId: string;
  entity: 'community' | 'member' | 'key' | 'price';
  action: string;
  detail: unknown;
}

/** Where a reading's metering point belongs at an instant. */
export type Membership =
  | { kind: 'member'; communityId: string; role: MemberRole }
  | { kind: 'outside' } // known to settlement, but not a member of any community at that instant
  | { kind: 'unknown' }; // never registered with any community

/** One member change: add, change the role of, or (role null) remove a metering point from `effectiveFrom` on. */
export interface MemberChange {
  communityId: string;
  meterPointId: string;
  role: MemberRole | null;
  effectiveFrom: string;
}

interface MemberRow {
  community_id: string;
  meter_point_id: string;
  version: number;
  effective_from: Date;
  role: MemberRole | null;
  changed_by: string;
  changed_at: Date;
}

const toMember = (r: MemberRow): MemberVersion => ({
  meterPointId: r.meter_point_id,
  version: r.version,
  effectiveFrom: iso(r.effective_from),
  role: r.role,
  changedBy: r.changed_by,
  changedAt: iso(r.changed_at),
});

/**
 * The members of one community at `instant` from its member versions ordered by metering point, then
 * effective-from and version, newest first: per metering point the first version in force at the instant,
 * kept when it has a role (a null role is a departure).
 */
function membersAt(rows: readonly MemberRow[], instant: string): CommunityMember[] {
  const t = Date.parse(instant);
  const out: CommunityMember[] = [];
  let current: string | undefined;
  let decided = false;
  for (const r of rows) {
    if (r.meter_point_id !== current) {
      current = r.meter_point_id;
      decided = false;
    }
    if (decided || r.effective_from.getTime() > t) continue;
    decided = true;
    if (r.role !== null) out.push({ meterPointId: r.meter_point_id, role: r.role });
  }
  return out;
}

/**
 * The community registry: communities, members (metering points with a role), allocation keys and prices,
 * each versioned with an effective-from instant. Nothing is updated in place: every change is a new
 * version row plus an audit entry (actor, what, before → after) in the same transaction.
 */
export class CommunityRepository {
  constructor(private readonly db: Pool) {}

  async create(input: {
    communityId: string;
    name: string;
    actor: string;
    effectiveFrom: string;
    priceMilliCtPerKWh: number;
    key?: AllocationKey;
  }): Promise<void> {
    await withTransaction(this.db, async (c) => {
      const salt = `0x${randomBytes(32).toString('hex')}`;
      const res = await c.query(
        `INSERT INTO settlement_community (community_id, name, party_salt, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [input.communityId, input.name, salt, input.actor],
      );
      if (res.rowCount === 0) {
        throw new SettlementDataError('COMMUNITY.ALREADY_EXISTS', `community ${input.communityId} exists`);
      }
      await this.audit(c, input.actor, input.communityId, 'community', 'create', { name: input.name });
      await this.insertKey(
        c,
        input.communityId,
        input.key ?? { kind: 'dynamic' },
        input.effectiveFrom,
        input.actor,
      );
      await this.insertPrice(
        c,
        input.communityId,
        input.priceMilliCtPerKWh,
        input.effectiveFrom,
        input.actor,
      );
    });
  }

  async list(): Promise<CommunitySummary[]> {
    const res = await this.db.query<{
      community_id: string;
      name: string;
      created_at: Date;
      created_by: string;
    }>('SELECT community_id, name, created_at, created_by FROM settlement_community ORDER BY community_id');
    return res.rows.map((r) => ({
      communityId: r.community_id,
      name: r.name,
      createdAt: iso(r.created_at),
      createdBy: r.created_by,
    }));
  }

  async get(communityId: string): Promise<CommunityDetail> {
    const summary = (await this.list()).find((c) => c.communityId === communityId);
    if (!summary) throw new SettlementDataError('COMMUNITY.NOT_FOUND', `no community ${communityId}`);
    const members = await this.db.query<MemberRow>(
      'SELECT * FROM settlement_member_version WHERE community_id = $1 ORDER BY meter_point_id, version',
      [communityId],
    );
    const keys = await this.db.query<{
      version: number;
      effective_from: Date;
      key: AllocationKey;
      changed_by: string;
      changed_at: Date;
    }>('SELECT * FROM settlement_key_version WHERE community_id = $1 ORDER BY version', [communityId]);
    const prices = await this.db.query<{
      version: number;
      effective_from: Date;
      price_milli_ct_per_kwh: string;
      changed_by: string;
      changed_at: Date;
    }>('SELECT * FROM settlement_price_version WHERE community_id = $1 ORDER BY version', [communityId]);
    return {
      ...summary,
      members: members.rows.map(toMember),
      keys: keys.rows.map((k) => ({
        version: k.version,
        effectiveFrom: iso(k.effective_from),
        value: k.key,
        changedBy: k.changed_by,
        changedAt: iso(k.changed_at),
      })),
      prices: prices.rows.map((p) => ({
        version: p.version,
        effectiveFrom: iso(p.effective_from),
        value: num(p.price_milli_ct_per_kwh),
        changedBy: p.changed_by,
        changedAt: iso(p.changed_at),
      })),
    };
  }

  /** Adds, changes the role of, or (role null) removes a member from `effectiveFrom` on. */
  async setMember(input: MemberChange & { actor: string }): Promise<MemberVersion> {
    const [version] = await withTransaction(this.db, (c) => this.setMembersIn(c, [input], input.actor));
    return version;
  }

  /**
   * Many member changes in one transaction (CSV import, a city's registration): all or nothing, with the
   * same versions, audit entries, checks and errors as `setMember` called for each change in turn.
   */
  async setMembers(changes: readonly MemberChange[], actor: string): Promise<MemberVersion[]> {
    if (changes.length === 0) return [];
    return withTransaction(this.db, (c) => this.setMembersIn(c, changes, actor));
  }

  /**
   * Set-based, four statements whatever the number of changes (a city registers 140,000 members; five
   * statements per change took minutes): locks the communities, reads every version row of the metering
   * points concerned, applies the changes in their order in memory — each change sees the ones before it,
   * as one at a time would — and inserts all version rows and all audit entries, one statement each.
   */
  private async setMembersIn(
    c: PoolClient,
    changes: readonly MemberChange[],
    actor: string,
  ): Promise<MemberVersion[]> {
    const communityIds = [...new Set(changes.map((ch) => ch.communityId))].sort();
    // in one order for every caller, so two imports over the same communities cannot deadlock
    const locked = await c.query<{ community_id: string }>(
      `SELECT community_id FROM settlement_community WHERE community_id = ANY($1)
       ORDER BY community_id FOR UPDATE`,
      [communityIds],
    );
    const existing = new Set(locked.rows.map((r) => r.community_id));
    const current = await c.query<MemberRow>(
      'SELECT * FROM settlement_member_version WHERE meter_point_id = ANY($1) ORDER BY version',
      [[...new Set(changes.map((ch) => ch.meterPointId))]],
    );
    // every version row of each metering point, in any community: those read and those added here
    const byMeter = new Map<
      string,
      { communityId: string; version: number; role: MemberRole | null; effectiveFrom: string }[]
    >();
    for (const r of current.rows) {
      const list = byMeter.get(r.meter_point_id) ?? [];
      list.push({
        communityId: r.community_id,
        version: r.version,
        role: r.role,
        effectiveFrom: iso(r.effective_from),
      });
      byMeter.set(r.meter_point_id, list);
    }
    const rows: (MemberChange & { version: number; action: string; before: MemberRole | null })[] = [];
    for (const ch of changes) {
      if (!existing.has(ch.communityId))
        throw new SettlementDataError('COMMUNITY.NOT_FOUND', `no community ${ch.communityId}`);
      const versions = byMeter.get(ch.meterPointId) ?? [];
      if (ch.role !== null) {
        // A metering point belongs to at most one community at any instant.
        const byCommunity = new Map<string, Versioned<MemberRole | null>[]>();
        for (const v of versions) {
          if (v.communityId === ch.communityId) continue;
          const list = byCommunity.get(v.communityId) ?? [];
          list.push({ version: v.version, effectiveFrom: v.effectiveFrom, value: v.role });
          byCommunity.set(v.communityId, list);
        }
        for (const [cid, other] of byCommunity) {
          const atStart = effectiveAt(other, ch.effectiveFrom)?.value ?? null;
          const later = other.some(
            (v) => Date.parse(v.effectiveFrom) > Date.parse(ch.effectiveFrom) && v.value !== null,
          );
          if (atStart !== null || later) {
            throw new SettlementDataError(
              'MEMBER.IN_OTHER_COMMUNITY',
              `${ch.meterPointId} is a member of ${cid} at or after ${ch.effectiveFrom}`,
            );
          }
        }
      }
      let prev: (typeof versions)[number] | undefined;
      for (const v of versions)
        if (v.communityId === ch.communityId && (prev === undefined || v.version > prev.version)) prev = v;
      if (ch.role === null && prev === undefined) {
        throw new SettlementDataError(
          'MEMBER.NOT_FOUND',
          `${ch.meterPointId} is not a member of ${ch.communityId}`,
        );
      }
      const version = (prev?.version ?? 0) + 1;
      versions.push({ communityId: ch.communityId, version, role: ch.role, effectiveFrom: ch.effectiveFrom });
      byMeter.set(ch.meterPointId, versions);
      rows.push({
        ...ch,
        version,
        action: ch.role === null ? 'remove' : prev ? 'change' : 'add',
        before: prev?.role ?? null,
      });
    }
    const inserted = await c.query<MemberRow>(
      `INSERT INTO settlement_member_version (community_id, meter_point_id, version, effective_from, role, changed_by)
       SELECT k.c, k.m, k.v, k.e, k.r, $6
         FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[]) WITH ORDINALITY AS k(c, m, v, e, r, n)
        ORDER BY k.n
       RETURNING *`,
      [
        rows.map((r) => r.communityId),
        rows.map((r) => r.meterPointId),
        rows.map((r) => r.version),
        rows.map((r) => r.effectiveFrom),
        rows.map((r) => r.role),
        actor,
      ],
    );
    await c.query(
      `INSERT INTO settlement_audit (actor, community_id, entity, action, detail)
       SELECT $1, k.c, 'member', k.a, k.d::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(c, a, d, n)
        ORDER BY k.n`,
      [
        actor,
        rows.map((r) => r.communityId),
        rows.map((r) => r.action),
        rows.map((r) =>
          JSON.stringify({
            meterPointId: r.meterPointId,
            version: r.version,
            effectiveFrom: r.effectiveFrom,
            before: r.before,
            after: r.role,
          }),
        ),
      ],
    );
    const byKey = new Map(
      inserted.rows.map((r) => [`${r.community_id}|${r.meter_point_id}|${r.version}`, r]),
    );
    return rows.map((r) => {
      const row = byKey.get(`${r.communityId}|${r.meterPointId}|${r.version}`);
      if (!row) throw new Error(`member version ${r.meterPointId} v${r.version} not returned by its insert`);
      return toMember(row);
    });
  }

  /** A new key version from `effectiveFrom`; the key is checked against the members in force then. */
  async setKey(input: {
    communityId: string;
    key: AllocationKey;
    effectiveFrom: string;
    actor: string;
  }): Promise<number> {
    return withTransaction(this.db, async (c) => {
      await this.lockCommunity(c, input.communityId);
      const members = await this.membersIn(c, input.communityId, input.effectiveFrom);
      const problems = validateKey(input.key, new Set(members.map((m) => m.meterPointId)));
      if (problems.length > 0) throw new SettlementDataError('COMMUNITY.INVALID', problems.join('; '));
      return this.insertKey(c, input.communityId, input.key, input.effectiveFrom, input.actor);
    });
  }

  async setPrice(input: {
    communityId: string;
    priceMilliCtPerKWh: number;
    effectiveFrom: string;
    actor: string;
  }): Promise<number> {
    return withTransaction(this.db, async (c) => {
      await this.lockCommunity(c, input.communityId);
      return this.insertPrice(
        c,
        input.communityId,
        input.priceMilliCtPerKWh,
        input.effectiveFrom,
        input.actor,
      );
    });
  }

  async auditTrail(communityId: string): Promise<AuditEntry[]> {
    const res = await this.db.query<{
      id: string;
      at: Date;
      actor: string;
      community_id: string;
      entity: AuditEntry['entity'];
      action: string;
      detail: unknown;
    }>('SELECT * FROM settlement_audit WHERE community_id = $1 ORDER BY id', [communityId]);
    return res.rows.map((r) => ({
      id: num(r.id),
      at: iso(r.at),
      actor: r.actor,
      communityId: r.community_id,
      entity: r.entity,
      action: r.action,
      detail: r.detail,
    }));
  }

  /** The terms in force at `instant` (undefined if the community has no key or price yet). */
  async termsAt(
    communityId: string,
    instant: string,
    c: Pool | PoolClient = this.db,
  ): Promise<CommunityTerms | undefined> {
    return (await this.termsAtMany([{ communityId, instant }], c))[0];
  }

  /**
   * The terms in force for many (community, instant) pairs, in the order given (undefined where the
   * community has no key or price yet), read in four statements whatever their number: a city's quarter
   * hour closes thousands of communities at once. Members are those whose latest version at the instant
   * (by effective-from, then version) has a role, ordered by metering point as the database orders them.
   */
  async termsAtMany(
    refs: readonly { communityId: string; instant: string }[],
    c: Pool | PoolClient = this.db,
  ): Promise<(CommunityTerms | undefined)[]> {
    if (refs.length === 0) return [];
    const ids = [...new Set(refs.map((r) => r.communityId))];
    const latest = refs.reduce(
      (m, r) => (Date.parse(r.instant) > Date.parse(m) ? r.instant : m),
      refs[0].instant,
    );
    const [communities, keys, prices, members] = await Promise.all([
      c.query<{ community_id: string; party_salt: `0x${string}` }>(
        'SELECT community_id, party_salt FROM settlement_community WHERE community_id = ANY($1)',
        [ids],
      ),
      c.query<{ community_id: string; version: number; effective_from: Date; key: AllocationKey }>(
        'SELECT community_id, version, effective_from, key FROM settlement_key_version WHERE community_id = ANY($1)',
        [ids],
      ),
      c.query<{
        community_id: string;
        version: number;
        effective_from: Date;
        price_milli_ct_per_kwh: string;
      }>(
        'SELECT community_id, version, effective_from, price_milli_ct_per_kwh FROM settlement_price_version WHERE community_id = ANY($1)',
        [ids],
      ),
      c.query<MemberRow>(
        `SELECT * FROM settlement_member_version WHERE community_id = ANY($1) AND effective_from <= $2
         ORDER BY community_id, meter_point_id, effective_from DESC, version DESC`,
        [ids, latest],
      ),
    ]);
    const group = <R extends { community_id: string }>(rows: R[]): Map<string, R[]> => {
      const out = new Map<string, R[]>();
      for (const r of rows) {
        const list = out.get(r.community_id);
        if (list) list.push(r);
        else out.set(r.community_id, [r]);
      }
      return out;
    };
    const salts = new Map(communities.rows.map((r) => [r.community_id, r.party_salt]));
    const keysOf = group(keys.rows);
    const pricesOf = group(prices.rows);
    const membersOf = group(members.rows);
    return refs.map(({ communityId, instant }) => {
      const salt = salts.get(communityId);
      if (salt === undefined) return undefined;
      const key = effectiveAt(
        (keysOf.get(communityId) ?? []).map((k) => ({
          version: k.version,
          effectiveFrom: iso(k.effective_from),
          value: k.key,
        })),
        instant,
      );
      const price = effectiveAt(
        (pricesOf.get(communityId) ?? []).map((p) => ({
          version: p.version,
          effectiveFrom: iso(p.effective_from),
          value: num(p.price_milli_ct_per_kwh),
        })),
        instant,
      );
      if (!key || !price) return undefined;
      return {
        communityId,
        partySalt: salt,
        members: membersAt(membersOf.get(communityId) ?? [], instant),
        key: key.value,
        priceMilliCtPerKWh: price.value,
      };
    });
  }

  async partySalt(communityId: string): Promise<`0x${string}`> {
    const res = await this.db.query<{ party_salt: `0x${string}` }>(
      'SELECT party_salt FROM settlement_community WHERE community_id = $1',
      [communityId],
    );
    if (!res.rows[0]) throw new SettlementDataError('COMMUNITY.NOT_FOUND', `no community ${communityId}`);
    return res.rows[0].party_salt;
  }

  /** Membership of many metering points at their instants (one query for a whole batch of readings). */
  async membershipOf(
    items: readonly { meterPointId: string; instant: string }[],
    c: Pool | PoolClient = this.db,
  ): Promise<Membership[]> {
    const ids = [...new Set(items.map((i) => i.meterPointId))];
    const res = await c.query<MemberRow>(
      'SELECT * FROM settlement_member_version WHERE meter_point_id = ANY($1)',
      [ids],
    );
    const byMeter = new Map<string, MemberRow[]>();
    for (const r of res.rows) {
      const list = byMeter.get(r.meter_point_id) ?? [];
      list.push(r);
      byMeter.set(r.meter_point_id, list);
    }
    return items.map((item) => {
      const rows = byMeter.get(item.meterPointId);
      if (!rows) return { kind: 'unknown' };
      const byCommunity = new Map<string, Versioned<MemberRole | null>[]>();
      for (const r of rows) {
        const list = byCommunity.get(r.community_id) ?? [];
        list.push({ version: r.version, effectiveFrom: iso(r.effective_from), value: r.role });
        byCommunity.set(r.community_id, list);
      }
      for (const [communityId, versions] of byCommunity) {
        const role = effectiveAt(versions, item.instant)?.value ?? null;
        if (role !== null) return { kind: 'member', communityId, role };
      }
      return { kind: 'outside' };
    });
  }

  private async membersIn(
    c: Pool | PoolClient,
    communityId: string,
    instant: string,
  ): Promise<CommunityMember[]> {
    const res = await c.query<MemberRow>(
      `SELECT * FROM settlement_member_version WHERE community_id = $1 AND effective_from <= $2
       ORDER BY meter_point_id, effective_from DESC, version DESC`,
      [communityId, instant],
    );
    return membersAt(res.rows, instant);
  }

  private async lockCommunity(c: PoolClient, communityId: string): Promise<void> {
    const res = await c.query('SELECT 1 FROM settlement_community WHERE community_id = $1 FOR UPDATE', [
      communityId,
    ]);
    if (res.rowCount === 0)
      throw new SettlementDataError('COMMUNITY.NOT_FOUND', `no community ${communityId}`);
  }

  private async insertKey(
    c: PoolClient,
    communityId: string,
    key: AllocationKey,
    effectiveFrom: string,
    actor: string,
  ): Promise<number> {
    const prev = await c.query<{ version: number; key: AllocationKey }>(
      'SELECT version, key FROM settlement_key_version WHERE community_id = $1 ORDER BY version DESC LIMIT 1',
      [communityId],
    );
    const version = (prev.rows[0]?.version ?? 0) + 1;
    await c.query(
      'INSERT INTO settlement_key_version (community_id, version, effective_from, key, changed_by) VALUES ($1, $2, $3, $4, $5)',
      [communityId, version, effectiveFrom, JSON.stringify(key), actor],
    );
    await this.audit(c, actor, communityId, 'key', 'set', {
      version,
      effectiveFrom,
      before: prev.rows[0]?.key ?? null,
      after: key,
    });
    return version;
  }

  private async insertPrice(
    c: PoolClient,
    communityId: string,
    price: number,
    effectiveFrom: string,
    actor: string,
  ): Promise<number> {
    const prev = await c.query<{ version: number; price_milli_ct_per_kwh: string }>(
      'SELECT version, price_milli_ct_per_kwh FROM settlement_price_version WHERE community_id = $1 ORDER BY version DESC LIMIT 1',
      [communityId],
    );
    const version = (prev.rows[0]?.version ?? 0) + 1;
    await c.query(
      'INSERT INTO settlement_price_version (community_id, version, effective_from, price_milli_ct_per_kwh, changed_by) VALUES ($1, $2, $3, $4, $5)',
      [communityId, version, effectiveFrom, price, actor],
    );
    await this.audit(c, actor, communityId, 'price', 'set', {
      version,
      effectiveFrom,
      before: prev.rows[0] ? num(prev.rows[0].price_milli_ct_per_kwh) : null,
      after: price,
    });
    return version;
  }

  private async audit(
    c: PoolClient,
    actor: string,
    communityId: string,
    entity: AuditEntry['entity'],
    action: string,
    detail: unknown,
  ): Promise<void> {
    await c.query(
      'INSERT INTO settlement_audit (actor, community_id, entity, action, detail) VALUES ($1, $2, $3, $4, $5)',
      [actor, communityId, entity, action, JSON.stringify(detail)],
    );
  }
}
