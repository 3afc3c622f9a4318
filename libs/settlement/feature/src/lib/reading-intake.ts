import {
  deadLetterReasonFor,
  EventTypes,
  parseEvent,
  type MeterReading,
  type ValidationProblem,
} from '@gridwerk/contracts';
import type { CommunityRepository, MemberReading } from '@gridwerk/settlement/data-access';

/** Dead-letter reason codes of settlement's reading intake (besides the contract codes). */
export const SettlementDlqCodes = {
  negativeEnergy: 'READING.NEGATIVE_ENERGY',
  unknownMeteringPoint: 'SETTLEMENT.UNKNOWN_METERING_POINT',
  outsideCommunity: 'SETTLEMENT.OUTSIDE_COMMUNITY',
  unsupportedResolution: 'SETTLEMENT.UNSUPPORTED_RESOLUTION',
} as const;

export interface RawReading {
  readonly value: Buffer | null;
}

export type IntakeVerdict =
  | { readonly ok: true; readonly reading: MemberReading }
  | {
      readonly ok: false;
      readonly reason: { code: string; message: string; problems?: ValidationProblem[] };
    };

function negativeEnergy(value: Buffer | null): boolean {
  if (!value) return false;
  try {
    const e = JSON.parse(value.toString('utf8')) as { data?: Record<string, unknown> };
    return ['importWh', 'exportWh'].some((k) => typeof e.data?.[k] === 'number' && e.data[k] < 0);
  } catch {
    return false;
  }
}

/**
 * Validates a batch of raw `grid.meter.readings.v1` messages into member readings, or a dead-letter reason
 * each: malformed (JSON, envelope or schema: the contract's codes), negative energy, a quarter-hour
 * resolution only, a metering point settlement has never registered (unknown), or one that is not a member
 * of any community at the reading's interval start (outside). Never throws for bad input.
 */
export async function classifyReadings(
  messages: readonly RawReading[],
  communities: Pick<CommunityRepository, 'membershipOf'>,
): Promise<IntakeVerdict[]> {
  const verdicts: (IntakeVerdict | { pending: MeterReading & { eventId: string } })[] = messages.map((m) => {
    if (negativeEnergy(m.value)) {
      return {
        ok: false,
        reason: {
          code: SettlementDlqCodes.negativeEnergy,
          message: 'importWh and exportWh must not be negative',
        },
      };
    }
    const parsed = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.meterReading);
    if (!parsed.ok) {
      const reason = deadLetterReasonFor(parsed.problems);
      return { ok: false, reason: { code: reason.code, message: reason.message, problems: parsed.problems } };
    }
    const d = parsed.value.data;
    if (d.resolution !== 'PT15M') {
      return {
        ok: false,
        reason: {
          code: SettlementDlqCodes.unsupportedResolution,
          message: `settlement takes PT15M readings, not ${d.resolution}`,
        },
      };
    }
    return { pending: { ...d, eventId: parsed.value.id } };
  });
  const pending = verdicts.flatMap((v, i) => ('pending' in v ? [{ i, r: v.pending }] : []));
  const memberships = await communities.membershipOf(
    pending.map((p) => ({ meterPointId: p.r.meterPointId, instant: p.r.intervalStart })),
  );
  pending.forEach(({ i, r }, k) => {
    const m = memberships[k];
    if (m.kind === 'member') {
      verdicts[i] = {
        ok: true,
        reading: {
          communityId: m.communityId,
          meterPointId: r.meterPointId,
          intervalStart: r.intervalStart.replace(/\.0+Z$/, 'Z'),
          intervalEnd: r.intervalEnd.replace(/\.0+Z$/, 'Z'),
          importWh: r.importWh,
          exportWh: r.exportWh,
          quality: r.quality,
          eventId: r.eventId,
        },
      };
    } else if (m.kind === 'outside') {
      verdicts[i] = {
        ok: false,
        reason: {
          code: SettlementDlqCodes.outsideCommunity,
          message: `${r.meterPointId} is not a community member at ${r.intervalStart}`,
        },
      };
    } else {
      verdicts[i] = {
        ok: false,
        reason: {
          code: SettlementDlqCodes.unknownMeteringPoint,
          message: `${r.meterPointId} is not registered with any community`,
        },
      };
    }
  });
  return verdicts as IntakeVerdict[];
}
