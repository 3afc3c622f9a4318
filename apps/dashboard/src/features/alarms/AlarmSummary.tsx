import type { Alarm } from '../../api/types';
import type { Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, type Locale } from '../../lib/berlin-time';

/** Compact list of alarms for the overview and the node detail. */
export function AlarmSummary(props: {
  alarms: Alarm[];
  locale: Locale;
  t: Translate;
  onOpen?: (nodeId: string) => void;
}) {
  const { t } = props;
  if (props.alarms.length === 0) return <p className="muted">{t('overview.noAlarms')}</p>;
  return (
    <ul className="alarm-summary" data-testid="alarm-summary">
      {props.alarms.map((a) => (
        <li key={a.id} className={`sev-${a.severity} state-${a.state}`}>
          <span className={`badge sev-${a.severity}`}>{t(`alarms.severity.${a.severity}`)}</span>{' '}
          {props.onOpen ? (
            <button type="button" className="link" onClick={() => props.onOpen?.(a.nodeId)}>
              {a.nodeId}
            </button>
          ) : (
            <strong>{a.nodeId}</strong>
          )}{' '}
          <span className="alarm-message">{a.message}</span>
          <div className="muted small">
            {formatBerlinDateTime(Date.parse(a.raisedAt), props.locale)} · {t(`alarms.state.${a.state}`)}
            {a.acknowledgedBy ? ` · ${a.acknowledgedBy.username}` : ''}
          </div>
        </li>
      ))}
    </ul>
  );
}
