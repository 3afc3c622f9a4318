import type { Alarm, AlarmRate, FloodGroup } from '../../api/types';
import { formatBerlinDateTime } from '../../lib/berlin-time';
import { AlarmTable, type AlarmRowHandlers } from './AlarmTable';

/**
 * ISA-18.2 flood handling in the alarm list: the alarms one event raised under one substation as one parent
 * row (count, worst severity, unacknowledged, the first-out alarm), its children folded under it; and the
 * operator's alarm rate over 10 minutes, as raised and as annunciated after grouping.
 */
export function FloodGroups(
  props: {
    groups: FloodGroup[];
    rate: AlarmRate | undefined;
    alarmsById: Record<string, Alarm>;
  } & AlarmRowHandlers,
) {
  const { groups, rate, alarmsById, ...handlers } = props;
  const { t, locale } = handlers;
  return (
    <div className="flood-groups" data-testid="flood-groups">
      {rate && (
        <p className={rate.flood ? 'flood' : 'muted'} data-testid="alarm-rate">
          {t('alarms.rate', {
            raised: rate.raised,
            annunciated: rate.annunciated,
            minutes: Math.round(rate.windowS / 60),
          })}
        </p>
      )}
      {groups.map((g) => {
        const children = g.alarmIds.flatMap((id) => {
          const a = alarmsById[id];
          return a ? [a] : [];
        });
        const first = alarmsById[g.firstOutAlarmId];
        return (
          <details
            key={g.id}
            className={`flood-group severity-${g.highestSeverity}`}
            data-testid="flood-group"
            data-parent={g.parentId}
            data-first-out={g.firstOutAlarmId}
          >
            <summary>
              <strong>{g.parentId}</strong>{' '}
              {t('alarms.floodGroup', { count: g.count, unacknowledged: g.unacknowledged })}{' '}
              <span data-testid="first-out">
                {t('alarms.firstOut', {
                  node: first?.nodeId ?? g.firstOutAlarmId,
                  code: first?.code ?? '',
                  at: formatBerlinDateTime(Date.parse(g.firstRaisedAt), locale),
                })}
              </span>
            </summary>
            <AlarmTable alarms={children} {...handlers} />
          </details>
        );
      })}
    </div>
  );
}
