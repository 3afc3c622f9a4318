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
  unsupportedResolution: 'SETTLEMENT.UNSUPPORTED_RESOLUTION',
} as const;

/**
 * Why a valid reading is skipped (the `reason` label of `gridwerk_settlement_readings_skipped_total`):
 * its metering point is in no community at the reading's interval start. Never registered with any
 * community: `not_in_community`; registered, but not a member at that instant (before joining, after
 * leaving): `outside_membership`.
 */
export const SkipReasons = {
  notInCommunity: 'not_in_community',
  outsideMembership: 'outside_membership',
} as const;
export type SkipReason = (typeof SkipReasons)[keyof typeof SkipReasons];

export interface RawReading {
  readonly value: Buffer | null;
}

export type IntakeVerdict =
  | { readonly kind: 'member'; readonly reading: MemberReading }
  | { readonly kind: 'skip'; readonly reason: SkipReason }
  | {
      readonly kind: 'dead-letter';
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
 * Validates a batch of raw `grid.meter.readings.v1` messages: each is a member reading (settled), a
 * skip, or a dead letter with its reason. Bad input is dead-lettered: malformed (JSON, envelope or schema:
 * the contract's codes), negative energy, a resolution other than PT15M. A valid reading of a metering
 * point that is in no community at its interval start is skipped, never dead-lettered: most of a city's
 * meters are in no community, and their readings are not bad input, only none of settlement's business.
 *
 * That holds for a registered metering point outside its membership (`outside_membership`: before it
 * joined, after it left) as for one never registered (`not_in_community`). A reading of a member who has
 * left is as valid as one of a meter that never joined, and would otherwise reach the dead-letter topic
 * every quarter hour for as long as the meter reports. Neither would become settleable by a replay from the
 * dead-letter topic: a membership registered later with an earlier effective-from picks up its skipped
 * readings by re-reading `grid.meter.readings.v1` from that instant (a replay stores nothing twice). Skips
 * are counted by reason, never logged one by one. Never throws for bad input.
 */
export async function classifyReadings(
  messages: readonly RawReading[],
  communities: Pick<CommunityRepository, 'membershipOf'>,
): Promise<IntakeVerdict[]> {
  const verdicts: (IntakeVerdict | { pending: MeterReading & { eventId: string } })[] = messages.map((m) => {
    // parsed once; negative energy gets settlement's own code, also where the schema refused the event
    const parsed = parseEvent(m.value ?? Buffer.alloc(0), EventTypes.meterReading);
    if (
      parsed.ok ? parsed.value.data.importWh < 0 || parsed.value.data.exportWh < 0 : negativeEnergy(m.value)
    ) {
      return {
        kind: 'dead-letter',
        reason: {
          code: SettlementDlqCodes.negativeEnergy,
          message: 'importWh and exportWh must not be negative',
        },
      };
    }
    if (!parsed.ok) {
      const reason = deadLetterReasonFor(parsed.problems);
      return {
        kind: 'dead-letter',
        reason: { code: reason.code, message: reason.message, problems: parsed.problems },
      };
    }
    const d = parsed.value.data;
    if (d.resolution !== 'PT15M') {
      return {
        kind: 'dead-letter',
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
        kind: 'member',
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
    } else {
      verdicts[i] = {
        kind: 'skip',
        reason: m.kind === 'outside' ? SkipReasons.outsideMembership : SkipReasons.notInCommunity,
      };
    }
  });
  return verdicts as IntakeVerdict[];
}
