import { Pool } from 'pg';
import { DispatchPlanQueries } from '@gridwerk/grid/read-model';
import { DispatchLoop, QH, ratingW, ReceivedCommand, until } from './dispatch-loop';

/**
 * Battery dispatch end to end on the real broker and PostgreSQL: forecasts and telemetry in, commands
 * out, the simulator's battery physics following them, and every fault handed to the local rule and
 * recovered from without a burst of stale commands. See dispatch-loop.ts for the loop itself.
 */
jest.setTimeout(300_000);

// Wednesday 14 January 2026, Leipzig: 12:00 local is 11:00 UTC
const NOON = Date.parse('2026-01-14T11:00:00Z');
const STATION = 'ONS-0003'; // 160 kVA, outgrown by its evening peak (see loopTopology)
const BATTERY = 'BAT-0002'; // behind ONS-0003
const OTHER = 'BAT-0001'; // behind ONS-0001, another feeder

let loop: DispatchLoop | undefined;
afterEach(async () => {
  await loop?.close();
  loop = undefined;
});

/** Every command received: valid when it arrived, and within the limits it was planned for. */
function expectNoStaleCommands(received: readonly ReceivedCommand[]): void {
  const stale = received.filter((r) => Date.parse(r.command.validUntil) <= r.atMs);
  expect(stale.map((r) => r.command.commandId)).toEqual([]);
}

describe('battery dispatch, closed loop', () => {
  it('keeps a station that the evening peak overloads without dispatch under its rating with it', async () => {
    loop = await DispatchLoop.create('loop', NOON);
    const l = loop;
    const rating = ratingW(160);
    // without dispatch: the meters alone take ONS-0003 over its rating in the evening
    const meters = l.meterLoadW.get(STATION) ?? new Map<number, number>();
    const window = [...meters].filter(([t]) => t >= NOON && t < NOON + 40 * QH);
    const overloaded = window.filter(([, w]) => w > rating);
    expect(overloaded.length).toBeGreaterThanOrEqual(3);
    const peakWithout = Math.max(...window.map(([, w]) => w));
    expect(peakWithout).toBeGreaterThan(rating * 1.1);

    await l.startDispatch();
    // the first cycle runs when the service takes the lead: noon, on the warm-up telemetry
    const first = await l.awaitCommands(NOON);
    expect(first.filter((c) => c.mode === 'setpoint')).toHaveLength(4);
    const followed: { setpointW: number; powerW: number; socPct: number }[] = [];
    for (let k = 0; k < 40; k++) {
      const s = await l.step();
      const t = Date.parse(s.step.intervalStart);
      const bat = s.telemetry.get(BATTERY);
      const ruling = l.received
        .map((r) => r.command)
        .filter((c) => c.assetId === BATTERY && Date.parse(c.validFrom) <= t && Date.parse(c.validUntil) > t)
        .sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt))[0];
      expect(ruling?.mode).toBe('setpoint');
      expect(bat?.mode).toBe('remote');
      followed.push({
        setpointW: ruling?.setpointW ?? NaN,
        powerW: bat?.powerW ?? NaN,
        socPct: bat?.stateOfChargePct ?? NaN,
      });
      if (k === 19) {
        // the forecast service's intraday issue for the next four hours: it takes its four hours of the
        // plan, the day-ahead issue keeps the rest of the horizon (neither replaces the other)
        const next = NOON + 20 * QH;
        l.clock.advanceTo(next - 60_000);
        await l.issueForecast(next - 60_000, 'intraday', 'e2e-intraday');
        await until(async () => {
          const r = await l.pg.query("SELECT 1 FROM dispatch_forecast WHERE horizon = 'intraday'");
          return r.rows.length === 2;
        }, 'the intraday issues stored by dispatch');
      }
      if (k < 39) await l.cycle();
    }
    // with dispatch: under the rating in every quarter hour, meters and storage connection together
    const flows = l.steps.slice(1).map((s) => s.flowW.get(STATION) ?? NaN);
    expect(flows).toHaveLength(40);
    const over = flows.filter((w) => w > rating);
    expect(over).toEqual([]);
    expect(Math.max(...flows)).toBeLessThan(peakWithout - 0.1 * rating);
    // the units followed the setpoints (they may only fall short at the ends of the SoC window)
    for (const f of followed) if (f.socPct > 11 && f.socPct < 94) expect(f.powerW).toBe(f.setpointW);
    // it charged before the peak and discharged in it
    expect(followed.some((f) => f.setpointW < -10_000)).toBe(true);
    expect(followed.some((f) => f.setpointW > 10_000)).toBe(true);
    expectNoStaleCommands(l.received);

    // plans and why they were made are stored, every command has its reason and stays within the limits
    const plans = await l.pg.query<{
      status: string;
      reason: string;
      explanation: { sites?: Record<string, unknown[]> };
    }>(
      `SELECT status, reason, explanation FROM dispatch_plan WHERE scope_id = 'UW-01-F03' ORDER BY cycle_start`,
    );
    expect(plans.rows).toHaveLength(40);
    expect(plans.rows.every((p) => p.status === 'optimal')).toBe(true);
    // MPC over at least 96 quarter hours; the whole next day once the forecast reaches its end (noon: 36 h)
    expect(plans.rows[0]?.reason).toMatch(/^optimal over 144 quarter hours \(grid-serving\)/);
    expect(plans.rows[0]?.explanation.sites?.[STATION]).toHaveLength(144);
    expect(plans.rows[39]?.reason).toMatch(/^optimal over 1\d\d quarter hours/);
    // every plan says what it stands on: the published issues, span by span of the horizon
    expect(plans.rows.every((p) => / on the published forecast$/.test(p.reason))).toBe(true);
    type Span = { from: string; until: string; horizon?: string; modelVersion?: string };
    const spansOf = (k: number) =>
      (plans.rows[k]?.explanation as { forecasts?: Record<string, { source: string; spans: Span[] }> })
        .forecasts?.[STATION];
    expect(spansOf(0)?.source).toBe('published');
    expect(spansOf(0)?.spans[0]).toMatchObject({
      horizon: 'day-ahead',
      modelVersion: 'e2e-forecast',
      from: new Date(NOON).toISOString(),
    });
    const merged = spansOf(20);
    expect(merged?.spans.slice(0, 2)).toEqual([
      expect.objectContaining({
        horizon: 'intraday',
        modelVersion: 'e2e-intraday',
        from: new Date(NOON + 20 * QH).toISOString(),
        until: new Date(NOON + 36 * QH).toISOString(),
      }),
      expect.objectContaining({ horizon: 'day-ahead', from: new Date(NOON + 36 * QH).toISOString() }),
    ]);
    const spec = l.topology.batteries.find((b) => b.assetId === BATTERY);
    for (const r of l.received) {
      expect(r.command.reason.length).toBeGreaterThan(10);
      if (r.command.assetId === BATTERY && r.command.setpointW !== undefined) {
        expect(r.command.setpointW).toBeLessThanOrEqual(spec?.maxDischargeW ?? 0);
        expect(r.command.setpointW).toBeGreaterThanOrEqual(-(spec?.maxChargeW ?? 0));
      }
    }
    // the control room's view of it: the view dispatch publishes, read as grid-api reads it
    const pool = new Pool({ connectionString: l.db.url, max: 1 });
    try {
      const served = await new DispatchPlanQueries().latestPerFeeder(pool, undefined);
      expect(served.map((p) => p.feederId).sort()).toEqual(['UW-01-F01', 'UW-01-F03']);
      const f03 = served.find((p) => p.feederId === 'UW-01-F03');
      expect(f03).toMatchObject({ status: 'optimal', cycleStart: new Date(NOON + 39 * QH).toISOString() });
      const st = f03?.stations.find((s) => s.secondarySubstationId === STATION);
      expect(st?.steps[0]?.ratingW).toBe(rating);
      expect(f03?.batteries.map((b) => b.assetId)).toEqual([BATTERY]);
      expect(Object.keys(f03?.costBreakdownCt ?? {})).toEqual(
        expect.arrayContaining(['peak', 'degradation']),
      );
    } finally {
      await pool.end();
    }
    const metrics = await l.metrics();
    expect(metrics).toMatch(
      /gridwerk_dispatch_commands_sent_total\{mode="setpoint",service="dispatch"\} 160/,
    );
    expect(metrics).toMatch(/gridwerk_dispatch_limit_violations_total\{service="dispatch"\} 0/);
    expect(metrics).toMatch(/gridwerk_dispatch_plan_age_seconds\{service="dispatch"\} 20/);
    expect(metrics).toMatch(/gridwerk_dispatch_solve_seconds_count\{[^}]*feeder="UW-01-F03"[^}]*\} 40\n/);
  });

  it('limit mode: v2 limit commands with SoC reserves, the units report planned-limit, the station stays under its rating', async () => {
    loop = await DispatchLoop.create('limit', NOON, { commandMode: 'limit' });
    const l = loop;
    const rating = ratingW(160);
    await l.startDispatch();
    const first = await l.awaitCommands(NOON);
    expect(first.filter((c) => c.mode === 'limit')).toHaveLength(4);
    const controls: (string | undefined)[] = [];
    const powers: number[] = [];
    for (let k = 0; k < 40; k++) {
      const s = await l.step();
      const t = Date.parse(s.step.intervalStart);
      const ruling = l.received
        .map((r) => r.command)
        .filter((c) => c.assetId === BATTERY && Date.parse(c.validFrom) <= t && Date.parse(c.validUntil) > t)
        .sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt))[0];
      expect(ruling?.mode).toBe('limit');
      expect(ruling?.setpointW).toBeUndefined();
      expect(ruling?.stationLimitW).toBeLessThanOrEqual(rating);
      expect(ruling?.socReservePct).toBeGreaterThanOrEqual(10);
      const bat = s.telemetry.get(BATTERY);
      controls.push(bat?.control);
      powers.push(bat?.powerW ?? NaN);
      if (k < 39) await l.cycle();
    }
    expect(new Set(controls)).toEqual(new Set(['planned-limit']));
    // it charged before the peak and discharged in it, on its own measurement
    expect(powers.some((p) => p < -10_000)).toBe(true);
    expect(powers.some((p) => p > 10_000)).toBe(true);
    const flows = l.steps.slice(1).map((s) => s.flowW.get(STATION) ?? NaN);
    expect(flows.filter((w) => w > rating)).toEqual([]);
    expect(l.received.every((r) => r.command.reason.length > 10)).toBe(true);
    expectNoStaleCommands(l.received);
    const metrics = await l.metrics();
    expect(metrics).toMatch(/gridwerk_dispatch_commands_sent_total\{mode="limit",service="dispatch"\} 160/);
  });

  it('a solver failure (injected infeasible model) hands every battery to the local rule, and the plan recovers', async () => {
    const start = Date.parse('2026-01-14T15:00:00Z');
    loop = await DispatchLoop.create('solver', start, { injectInfeasibleBeforeMs: start + 3 * QH });
    const l = loop;
    await l.startDispatch();
    const cycles = [{ cycleStartMs: start, commands: await l.awaitCommands(start) }];
    const modes: (string | undefined)[] = [];
    for (let k = 0; k < 7; k++) {
      const s = await l.step();
      modes.push(s.telemetry.get(BATTERY)?.mode);
      cycles.push(await l.cycle());
    }
    // cycles 0-2: every command is `auto` (the unit's threshold rule) and says why
    for (const c of cycles.slice(0, 3)) {
      expect(c.commands).toHaveLength(4);
      for (const cmd of c.commands) {
        expect(cmd.mode).toBe('auto');
        expect(cmd.reason).toMatch(
          /fallback to the local threshold rule: solve failed \(solver status infeasible\)/,
        );
      }
    }
    // from cycle 3 on the plan is back: setpoints again, the units follow
    for (const c of cycles.slice(3)) expect(c.commands.every((cmd) => cmd.mode === 'setpoint')).toBe(true);
    expect(modes.slice(0, 3)).toEqual(['auto', 'auto', 'auto']);
    expect(modes.slice(3)).toEqual(['remote', 'remote', 'remote', 'remote']);
    const plans = await l.pg.query<{ status: string; reason: string }>(
      `SELECT status, reason FROM dispatch_plan WHERE scope_id = 'UW-01-F03' ORDER BY cycle_start`,
    );
    expect(plans.rows.map((p) => p.status)).toEqual([
      'fallback',
      'fallback',
      'fallback',
      'optimal',
      'optimal',
      'optimal',
      'optimal',
      'optimal',
    ]);
    expect(plans.rows[0]?.reason).toMatch(/^DISPATCH\.SOLVE_FAILED: solver status infeasible/);
    // no burst: exactly one cycle's commands per cycle, none stale
    expect(l.received).toHaveLength(8 * 4);
    expectNoStaleCommands(l.received);
    expect(await l.metrics()).toMatch(
      /gridwerk_dispatch_fallback_batteries_total\{cause="solve failed",service="dispatch"\} 6/,
    );
  });

  it('a battery whose telemetry stops runs its local rule, the others stay on the plan, and it rejoins', async () => {
    const start = Date.parse('2026-01-14T15:00:00Z');
    loop = await DispatchLoop.create('silent', start, { telemetryMaxAgeMs: 20 * 60_000 });
    const l = loop;
    await l.startDispatch();
    const cycles = [{ cycleStartMs: start, commands: await l.awaitCommands(start) }];
    const silent = new Set([BATTERY]);
    const modes: (string | undefined)[] = [];
    for (let k = 0; k < 9; k++) {
      // the telemetry of BAT-0002 for the quarters ending 16:00 .. 16:45 UTC never arrives
      const s = await l.step(k >= 3 && k <= 6 ? { silent } : {});
      modes.push(s.telemetry.get(BATTERY)?.mode);
      cycles.push(await l.cycle());
    }
    const of = (c: { commands: { assetId: string; mode: string; reason: string }[] }, asset: string) =>
      c.commands.filter((x) => x.assetId === asset);
    // its newest state is of 15:45; the cycle at 16:15 finds it 30 min old (> 20): local rule until it is back
    const last = Date.parse('2026-01-14T15:45:00Z');
    for (const c of cycles) {
      const stale =
        c.cycleStartMs - last > 20 * 60_000 && c.cycleStartMs <= Date.parse('2026-01-14T16:45:00Z');
      for (const cmd of of(c, BATTERY)) {
        expect(cmd.mode).toBe(stale ? 'auto' : 'setpoint');
        if (stale) expect(cmd.reason).toMatch(/telemetry missing since 2026-01-14T15:45:00/);
      }
      for (const cmd of of(c, OTHER)) expect(cmd.mode).toBe('setpoint');
    }
    expect(cycles.filter((c) => of(c, BATTERY).every((x) => x.mode === 'auto'))).toHaveLength(3);
    // the unit followed: its local rule while handed over, the plan again once its telemetry is back
    expect(modes.slice(5, 8)).toEqual(['auto', 'auto', 'auto']);
    expect(modes[8]).toBe('remote');
    expectNoStaleCommands(l.received);
    expect(l.received).toHaveLength(10 * 4);
  });

  it('a restart plans the current quarter hour only: no burst of stale commands, nothing sent twice', async () => {
    const start = Date.parse('2026-01-14T15:00:00Z');
    loop = await DispatchLoop.create('restart', start);
    const l = loop;
    await l.startDispatch();
    await l.awaitCommands(start);
    for (let k = 0; k < 2; k++) {
      await l.step();
      await l.cycle();
    }
    const lastCycle = start + 2 * QH;
    // a crash between the commit and the send: the last cycle's commands stored but not marked sent
    await l.pg.query('UPDATE dispatch_command SET sent_at = NULL WHERE issued_at = $1', [
      new Date(lastCycle),
    ]);
    await l.stopDispatch();
    const before = l.received.length;

    // 90 minutes down: the units run out of commands and fall back to their local rule by themselves
    const modes: (string | undefined)[] = [];
    for (let k = 0; k < 6; k++) modes.push((await l.step()).telemetry.get(BATTERY)?.mode);
    expect(modes.slice(0, 2)).toEqual(['remote', 'remote']);
    expect(modes.slice(2)).toEqual(['auto', 'auto', 'auto', 'auto']);

    const now = start + 8 * QH;
    l.clock.advanceTo(now + 20_000);
    await l.startDispatch();
    const fresh = await l.awaitCommands(now);
    await new Promise((r) => setTimeout(r, 1_000)); // anything else would arrive now
    const after = l.received.slice(before);
    // exactly the current cycle's commands: nothing of the missed cycles, nothing stale re-sent
    expect(after.map((r) => r.command.commandId).sort()).toEqual(fresh.map((c) => c.commandId).sort());
    expect(after).toHaveLength(4);
    expect(after.every((r) => Date.parse(r.command.issuedAt) === now)).toBe(true);
    expectNoStaleCommands(l.received);
    const missed = await l.pg.query<{ n: string }>(
      'SELECT count(*) AS n FROM dispatch_plan WHERE cycle_start > $1 AND cycle_start < $2',
      [new Date(lastCycle), new Date(now)],
    );
    expect(Number(missed.rows[0]?.n)).toBe(0);
    const resentStale = await l.pg.query<{ n: string }>(
      'SELECT count(*) AS n FROM dispatch_command WHERE issued_at = $1 AND sent_at IS NOT NULL',
      [new Date(lastCycle)],
    );
    expect(Number(resentStale.rows[0]?.n)).toBe(0);

    // a quick restart within the quarter hour: what was stored but not sent and is still valid is sent once
    await l.pg.query('UPDATE dispatch_command SET sent_at = NULL WHERE issued_at = $1', [new Date(now)]);
    await l.stopDispatch();
    const mark = l.received.length;
    l.clock.advanceTo(now + 5 * 60_000);
    await l.startDispatch();
    await new Promise((r) => setTimeout(r, 1_000));
    const resent = l.received
      .slice(mark)
      .map((r) => r.command.commandId)
      .sort();
    expect(resent).toEqual(fresh.map((c) => c.commandId).sort());
    // and the loop goes on: the next quarter's cycle plans again
    await l.step();
    const next = await l.cycle();
    expect(next.commands.filter((c) => c.mode === 'setpoint')).toHaveLength(4);
    expectNoStaleCommands(l.received);
  });
});
