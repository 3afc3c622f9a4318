import { deriveSeed, unitAt } from './rng';

/** A keyed message as it goes to Kafka: key plus serialised (JSON) value. */
export interface StreamItem {
  key: string;
  value: string;
}

export type FaultKind = 'late' | 'duplicate' | 'out-of-order' | 'malformed';
export type Malformation = 'negative-import' | 'bad-meter-id' | 'not-json';

export interface FaultedItem extends StreamItem {
  /** Set when the item was affected by a fault (for a duplicate: on the second copy). */
  fault?: FaultKind;
  malformation?: Malformation;
}

/** Probabilities per produced item; they are exclusive (at most one fault per item), sum <= 1. */
export interface FaultRates {
  late: number;
  duplicate: number;
  outOfOrder: number;
  malformed: number;
}

export interface FaultInjectorOptions {
  seed: number | string;
  rates: Partial<FaultRates>;
  /** A late item is emitted this many steps (calls of `process`) later. Default 3. */
  lateSteps?: number;
}

export interface FaultCounters {
  /** items given to the injector */
  produced: number;
  /** items handed out (including duplicates, released late items) */
  emitted: number;
  /** items held back as late (released or still pending) */
  late: number;
  /** late items still held back */
  latePending: number;
  /** extra copies emitted */
  duplicated: number;
  /** items swapped with their successor */
  outOfOrder: number;
  /** items whose payload was corrupted */
  malformed: number;
  /** an out-of-order item still waiting for its successor (0 or 1) */
  swapPending: number;
}

/**
 * Pure, seeded fault injection over a stream of keyed items, one `process` call per simulation step.
 * The fate of the n-th produced item depends only on (seed, n), so the same stream always gives the same
 * faults. Invariant (see `counters`): emitted = produced - latePending - swapPending + duplicated.
 */
export class FaultInjector {
  private readonly key: number;
  private readonly rates: FaultRates;
  private readonly lateSteps: number;
  private step = 0;
  private readonly held: { releaseAt: number; item: FaultedItem }[] = [];
  private swapHeld: FaultedItem | undefined;
  private readonly c: FaultCounters = {
    produced: 0,
    emitted: 0,
    late: 0,
    latePending: 0,
    duplicated: 0,
    outOfOrder: 0,
    malformed: 0,
    swapPending: 0,
  };

  constructor(options: FaultInjectorOptions) {
    this.key = deriveSeed(options.seed, 'faults');
    this.rates = { late: 0, duplicate: 0, outOfOrder: 0, malformed: 0, ...options.rates };
    const sum = this.rates.late + this.rates.duplicate + this.rates.outOfOrder + this.rates.malformed;
    for (const [name, r] of Object.entries(this.rates)) {
      if (!(r >= 0 && r <= 1))
        throw new RangeError(`fault rate ${name} must be within [0, 1], got ${String(r)}`);
    }
    if (sum > 1) throw new RangeError(`fault rates sum to ${sum} > 1`);
    this.lateSteps = options.lateSteps ?? 3;
    if (!Number.isInteger(this.lateSteps) || this.lateSteps < 1)
      throw new RangeError(`lateSteps must be a positive integer`);
  }

  /** Processes the items of one step; returns what goes to the wire, in order. */
  process(items: readonly StreamItem[]): FaultedItem[] {
    const out: FaultedItem[] = [];
    this.step++;
    // release late items that are due, in the order they were held
    for (let i = 0; i < this.held.length;) {
      if (this.held[i].releaseAt <= this.step) {
        this.emit(out, this.held[i].item);
        this.held.splice(i, 1);
        this.c.latePending--;
      } else i++;
    }
    const { late, duplicate, outOfOrder, malformed } = this.rates;
    for (const item of items) {
      const u = unitAt(this.key, this.c.produced);
      const uKind = unitAt(this.key ^ 0x3c6ef372, this.c.produced);
      this.c.produced++;
      if (u < late) {
        this.c.late++;
        this.c.latePending++;
        this.held.push({ releaseAt: this.step + this.lateSteps, item: { ...item, fault: 'late' } });
      } else if (u < late + duplicate) {
        this.c.duplicated++;
        this.emit(out, { ...item });
        this.emit(out, { ...item, fault: 'duplicate' });
      } else if (u < late + duplicate + outOfOrder && this.swapHeld === undefined) {
        this.c.outOfOrder++;
        this.c.swapPending = 1;
        this.swapHeld = { ...item, fault: 'out-of-order' };
      } else if (u >= late + duplicate + outOfOrder && u < late + duplicate + outOfOrder + malformed) {
        this.c.malformed++;
        this.emit(out, corrupt(item, uKind));
      } else {
        this.emit(out, { ...item });
      }
    }
    return out;
  }

  /** Emits everything still held (late items and a pending swap), e.g. at the end of a run. */
  flush(): FaultedItem[] {
    const out: FaultedItem[] = [];
    for (const h of this.held) this.emit(out, h.item);
    this.c.latePending -= this.held.length;
    this.held.length = 0;
    if (this.swapHeld !== undefined) {
      out.push(this.swapHeld);
      this.c.emitted++;
      this.swapHeld = undefined;
      this.c.swapPending = 0;
    }
    return out;
  }

  counters(): FaultCounters {
    return { ...this.c };
  }

  private emit(out: FaultedItem[], item: FaultedItem): void {
    out.push(item);
    this.c.emitted++;
    if (this.swapHeld !== undefined) {
      out.push(this.swapHeld);
      this.c.emitted++;
      this.swapHeld = undefined;
      this.c.swapPending = 0;
    }
  }
}

/** Corrupts a payload in one of three ways (chosen by u in [0,1)). */
export function corrupt(item: StreamItem, u: number): FaultedItem {
  const kind: Malformation = u < 1 / 3 ? 'negative-import' : u < 2 / 3 ? 'bad-meter-id' : 'not-json';
  if (kind !== 'not-json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(item.value);
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object') {
      const obj = parsed as Record<string, unknown>;
      // the reading may be the top-level object or the `data` of a CloudEvents envelope
      const target =
        obj['data'] !== null && typeof obj['data'] === 'object'
          ? (obj['data'] as Record<string, unknown>)
          : obj;
      if (kind === 'negative-import')
        target['importWh'] = -1 - Math.abs(typeof target['importWh'] === 'number' ? target['importWh'] : 0);
      else target['meterPointId'] = 'DE-NOT-A-METER-ID';
      return { key: item.key, value: JSON.stringify(obj), fault: 'malformed', malformation: kind };
    }
  }
  // truncated JSON preceded by bytes that are not valid in JSON
  return {
    key: item.key,
    value: `\u0000\u0007${item.value.slice(0, Math.max(1, Math.floor(item.value.length / 2)))}`,
    fault: 'malformed',
    malformation: 'not-json',
  };
}

export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  return new FaultInjector(options);
}
