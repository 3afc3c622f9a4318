import type { Alarm, AlarmRate, FloodGroup } from '../../api/types';
import type { Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, type Locale } from '../../lib/berlin-time';
import type { UserAction } from './alarm-actions';
import { AlarmTable } from './AlarmTable';

/**
 * ISA-18.2 flood handling in the alarm list: the alarms one event raised under one substation as one parent
 * row (count, worst severity, unacknowledged, the first-out alarm), its children folded under it; and the
 * operator's alarm rate over 10 minutes, as raised and as annunciated after grouping.
 */
export function FloodGroups(props: {
  groups: FloodGroup[];
  rate: AlarmRate | undefined;
  alarmsById: Record<string, Alarm>;
  actionsFor: (a: Alarm) => UserAction[];
  locale: Locale;
  t: Translate;
  onAction: (a: Alarm, action: UserAction) => void;
  onAudit: (a: Alarm) => void;
  onOpenNode: (nodeId: string) => void;
}) {
  const { t, locale } = props;
  return (
    <div className="flood-groups" data-testid="flood-groups">
      {props.rate && (
        <p className={props.rate.flood ? 'flood' : 'muted'} data-testid="alarm-rate">
          {t('alarms.rate', {
            raised: props.rate.raised,
            annunciated: props.rate.annunciated,
            minutes: Math.round(props.rate.windowS / 60),
          })}
        </p>
      )}
      {props.groups.map((g) => {
        const children = g.alarmIds.flatMap((id) => {
          const a = props.alarmsById[id];
          return a ? [a] : [];
        });
        const first = props.alarmsById[g.firstOutAlarmId];
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
            <AlarmTable
              alarms={children}
              actionsFor={props.actionsFor}
              locale={locale}
              t={t}
              onAction={props.onAction}
              onAudit={props.onAudit}
              onOpenNode={props.onOpenNode}
            />
          </details>
        );
      })}
    </div>
  );
}
