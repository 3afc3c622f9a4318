import type { BatteryTelemetry, MeterReading } from '@gridwerk/contracts';

export type LiveNodeKind = 'secondary_substation' | 'feeder' | 'substation';

export interface LiveTopology {
  readonly stationOfMeter: ReadonlyMap<string, string>;
  readonly feederOfStation: ReadonlyMap<string, string>;
  readonly substationOfFeeder: ReadonlyMap<string, string>;
  readonly stationOfBattery: ReadonlyMap<string, string>;
  readonly ratedKvaOfStation: ReadonlyMap<string, number>;
}

export interface LiveNodeValue {
  readonly nodeId: string;
  readonly nodeKind: LiveNodeKind;
  readonly substationId: string;
  /** Net active power drawn from the upstream grid, W (negative = feed-in). */
  readonly powerW: number;
  readonly metersReporting: number;
  /** Secondary substations: loading of the transformer in % of rated kVA at cos φ = 1 (sign: import > 0). */
  readonly ratedKva?: number;
  /** Latest data instant that contributed. */
  readonly observedAt: string;
}

interface MeterState {
  powerW: number;
  endMs: number;
}

interface NodeAcc {
  kind: LiveNodeKind;
  substationId: string;
  powerW: number;
  meters: number;
  batteryW: number;
  lastMs: number;
  /** Newest reading end of its meters (batteries not counted): what the missing-data rules compare. */
  meterLastMs: number;
}

/**
 * Live load per node, in memory: each meter's latest average power (its last reading's net energy over the
 * interval), summed per secondary substation, feeder and substation, minus the discharge of the batteries
 * at each station. Updated incrementally per reading (O(depth)), so 5,000 readings/s cost little; `drain()`
 * returns the nodes that changed since the last call, which is what the stream publishes.
 */
export class LiveLoad {
  private readonly meters = new Map<string, MeterState>();
  private readonly batteries = new Map<string, { powerW: number; atMs: number }>();
  private readonly nodes = new Map<string, NodeAcc>();
  private readonly dirty = new Set<string>();
  /**
   * Meters by the end of their newest reading. A meter moves on with each reading (O(1)), so the silent
   * ones are found by looking at the old buckets only, never at every meter of a city.
   */
  private readonly byEnd = new Map<number, Set<string>>();
  private watermarkMs = -Infinity;
  private watermarkWallMs = 0;
  unknownMeters = 0;

  constructor(private topology: LiveTopology) {}

  /** A new topology: rebuild every sum from the per-meter state. */
  setTopology(topology: LiveTopology): void {
    this.topology = topology;
    this.nodes.clear();
    for (const [id, m] of this.meters) this.addToNodes(this.pathOfMeter(id), m.powerW, 1, m.endMs, true);
    for (const [id, b] of this.batteries) this.addBatteryToNodes(id, b.powerW, b.atMs);
    for (const id of this.nodes.keys()) this.dirty.add(id);
  }

  /** Data clock: the newest data instant, advanced by wall time since it last moved (so silence is seen). */
  clockMs(wallNowMs: number): number {
    if (this.watermarkMs === -Infinity) return wallNowMs;
    return this.watermarkMs + Math.max(0, wallNowMs - this.watermarkWallMs);
  }

  /** Newest reading end (ms) per feeder over its meters. */
  feederLastSeen(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [id, n] of this.nodes)
      if (n.kind === 'feeder' && n.meterLastMs > -Infinity) out.set(id, n.meterLastMs);
    return out;
  }

  /** The meters whose newest reading ended before `cutoffMs`, with that end: O(silent meters). */
  silentMeters(cutoffMs: number): { id: string; lastSeenMs: number }[] {
    const out: { id: string; lastSeenMs: number }[] = [];
    for (const [endMs, ids] of this.byEnd)
      if (endMs < cutoffMs) for (const id of ids) out.push({ id, lastSeenMs: endMs });
    return out;
  }

  /** The newest reading end of one meter (undefined: never reported). */
  lastSeen(meterId: string): number | undefined {
    return this.meters.get(meterId)?.endMs;
  }

  /** How many meters' newest reading ends at `endMs` (a quarter is complete when that is every meter). */
  metersEndingAt(endMs: number): number {
    return this.byEnd.get(endMs)?.size ?? 0;
  }

  /** Every meter's newest reading end: O(meters), for small grids and tests only. */
  meterLastSeen(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [id, m] of this.meters) out.set(id, m.endMs);
    return out;
  }

  addReading(r: MeterReading, wallNowMs: number): void {
    const endMs = Date.parse(r.intervalEnd);
    const durS = (endMs - Date.parse(r.intervalStart)) / 1000;
    if (!(durS > 0)) return;
    const powerW = ((r.importWh - r.exportWh) * 3600) / durS;
    const prev = this.meters.get(r.meterPointId);
    if (prev && prev.endMs >= endMs) return; // older or repeated reading: the newest counts
    this.meters.set(r.meterPointId, { powerW, endMs });
    if (prev) {
      const old = this.byEnd.get(prev.endMs);
      old?.delete(r.meterPointId);
      if (old?.size === 0) this.byEnd.delete(prev.endMs);
    }
    let bucket = this.byEnd.get(endMs);
    if (!bucket) {
      bucket = new Set();
      this.byEnd.set(endMs, bucket);
    }
    bucket.add(r.meterPointId);
    if (endMs > this.watermarkMs) {
      this.watermarkMs = endMs;
      this.watermarkWallMs = wallNowMs;
    }
    const path = this.pathOfMeter(r.meterPointId);
    if (path.length === 0) {
      if (!prev) this.unknownMeters++;
      return;
    }
    this.addToNodes(path, powerW - (prev?.powerW ?? 0), prev ? 0 : 1, endMs, true);
  }

  addBattery(t: BatteryTelemetry): void {
    const atMs = Date.parse(t.time);
    const prev = this.batteries.get(t.assetId);
    if (prev && prev.atMs >= atMs) return;
    this.batteries.set(t.assetId, { powerW: t.powerW, atMs });
    this.addBatteryToNodes(t.assetId, t.powerW - (prev?.powerW ?? 0), atMs);
  }

  value(nodeId: string): LiveNodeValue | undefined {
    const n = this.nodes.get(nodeId);
    return n && this.toValue(nodeId, n);
  }

  all(): LiveNodeValue[] {
    return [...this.nodes.entries()].map(([id, n]) => this.toValue(id, n));
  }

  /** Secondary substation samples for the loading rules. */
  stationSamples(): { nodeId: string; powerW: number; observedAt: string }[] {
    const out: { nodeId: string; powerW: number; observedAt: string }[] = [];
    for (const [id, n] of this.nodes)
      if (n.kind === 'secondary_substation' && n.lastMs > -Infinity)
        out.push({
          nodeId: id,
          powerW: Math.round(n.powerW - n.batteryW),
          observedAt: new Date(n.lastMs).toISOString(),
        });
    return out;
  }

  drain(): LiveNodeValue[] {
    const out: LiveNodeValue[] = [];
    for (const id of this.dirty) {
      const n = this.nodes.get(id);
      if (n) out.push(this.toValue(id, n));
    }
    this.dirty.clear();
    return out;
  }

  private toValue(nodeId: string, n: NodeAcc): LiveNodeValue {
    const rated = n.kind === 'secondary_substation' ? this.topology.ratedKvaOfStation.get(nodeId) : undefined;
    return {
      nodeId,
      nodeKind: n.kind,
      substationId: n.substationId,
      powerW: Math.round(n.powerW - n.batteryW),
      metersReporting: n.meters,
      ...(rated !== undefined ? { ratedKva: rated } : {}),
      observedAt: new Date(n.lastMs === -Infinity ? 0 : n.lastMs).toISOString(),
    };
  }

  private pathOfStation(station: string | undefined): [string, LiveNodeKind, string][] {
    if (station === undefined) return [];
    const feeder = this.topology.feederOfStation.get(station);
    const sub = feeder === undefined ? undefined : this.topology.substationOfFeeder.get(feeder);
    if (feeder === undefined || sub === undefined) return [];
    return [
      [station, 'secondary_substation', sub],
      [feeder, 'feeder', sub],
      [sub, 'substation', sub],
    ];
  }

  private pathOfMeter(meterId: string): [string, LiveNodeKind, string][] {
    return this.pathOfStation(this.topology.stationOfMeter.get(meterId));
  }

  private acc(id: string, kind: LiveNodeKind, sub: string): NodeAcc {
    let n = this.nodes.get(id);
    if (!n) {
      n = {
        kind,
        substationId: sub,
        powerW: 0,
        meters: 0,
        batteryW: 0,
        lastMs: -Infinity,
        meterLastMs: -Infinity,
      };
      this.nodes.set(id, n);
    }
    return n;
  }

  private addToNodes(
    path: [string, LiveNodeKind, string][],
    deltaW: number,
    deltaMeters: number,
    atMs: number,
    fromMeter: boolean,
  ): void {
    for (const [id, kind, sub] of path) {
      const n = this.acc(id, kind, sub);
      n.powerW += deltaW;
      n.meters += deltaMeters;
      if (atMs > n.lastMs) n.lastMs = atMs;
      if (fromMeter && atMs > n.meterLastMs) n.meterLastMs = atMs;
      this.dirty.add(id);
    }
  }

  private addBatteryToNodes(assetId: string, deltaW: number, atMs: number): void {
    for (const [id, kind, sub] of this.pathOfStation(this.topology.stationOfBattery.get(assetId))) {
      const n = this.acc(id, kind, sub);
      n.batteryW += deltaW;
      if (atMs > n.lastMs) n.lastMs = atMs;
      this.dirty.add(id);
    }
  }
}
