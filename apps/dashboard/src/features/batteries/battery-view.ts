import type { Battery, BatteryCommandDto } from '../../api/types';
import type { Translate } from '../../i18n/i18n';

/** The controls a battery reports in its telemetry (`control`), and `unknown` where it reports none. */
export const CONTROLS = ['planned-setpoint', 'planned-limit', 'local-rule', 'idle', 'unknown'] as const;
export type Control = (typeof CONTROLS)[number];

/** The stream may bring a control this build does not know yet: shown as unknown. */
export function controlOf(b: { control?: string | null }): Control {
  const c = b.control ?? 'unknown';
  return (CONTROLS as readonly string[]).includes(c) ? (c as Control) : 'unknown';
}

/** A command in words: the setpoint, or the station-flow limit with its SoC reserve (v2), or the mode. */
export function describeCommand(
  c: Pick<BatteryCommandDto, 'mode' | 'setpointW' | 'stationLimitW' | 'socReservePct'>,
  t: Translate,
): string {
  if (c.mode === 'setpoint' && c.setpointW !== null)
    return t('batteries.command.setpoint', { kw: c.setpointW / 1000 });
  if (c.mode === 'limit' && c.stationLimitW !== null)
    return t('batteries.command.limit', { kw: c.stationLimitW / 1000, pct: c.socReservePct ?? 0 });
  return c.mode === 'idle' ? t('batteries.command.idle') : t('batteries.command.auto');
}

/** The batteries behind one secondary substation, by asset id. */
export function batteriesAt(all: Readonly<Record<string, Battery>>, stationId: string): Battery[] {
  return Object.values(all)
    .filter((b) => b.secondarySubstationId === stationId)
    .sort((a, b) => a.assetId.localeCompare(b.assetId));
}
