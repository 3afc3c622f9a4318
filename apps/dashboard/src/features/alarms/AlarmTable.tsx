import type { Alarm } from '../../api/types';
import type { Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, type Locale } from '../../lib/berlin-time';
import type { UserAction } from './alarm-actions';

const ACTION_LABEL = {
  acknowledge: 'alarms.acknowledge',
  shelve: 'alarms.shelve',
  unshelve: 'alarms.unshelve',
  'remove-from-service': 'alarms.outOfService',
  'return-to-service': 'alarms.returnToService',
} as const;

/** What a row of the alarm table needs besides its alarm: the user's actions, the language, the handlers. */
export interface AlarmRowHandlers {
  actionsFor: (a: Alarm) => UserAction[];
  locale: Locale;
  t: Translate;
  onAction: (a: Alarm, action: UserAction) => void;
  onAudit: (a: Alarm) => void;
  onOpenNode: (nodeId: string) => void;
}

export function AlarmTable(props: { alarms: Alarm[] } & AlarmRowHandlers) {
  const { t, locale } = props;
  if (props.alarms.length === 0) return <p className="muted">{t('alarms.none')}</p>;
  return (
    <table className="table alarms" data-testid="alarm-table">
      <thead>
        <tr>
          <th>{t('alarms.col.severity')}</th>
          <th>{t('alarms.col.state')}</th>
          <th>{t('alarms.col.node')}</th>
          <th>{t('alarms.col.message')}</th>
          <th>{t('alarms.col.raisedAt')}</th>
          <th>{t('alarms.col.by')}</th>
          <th>{t('alarms.col.actions')}</th>
        </tr>
      </thead>
      <tbody>
        {props.alarms.map((a) => (
          <tr key={a.id} data-alarm={a.id} data-state={a.state} className={`state-${a.state}`}>
            <td>
              <span className={`badge sev-${a.severity}`}>{t(`alarms.severity.${a.severity}`)}</span>
            </td>
            <td>
              {t(`alarms.state.${a.state}`)}
              {a.state === 'shelved' && a.shelvedUntil && (
                <div className="muted small">
                  {t('alarms.shelvedUntil', {
                    time: formatBerlinDateTime(Date.parse(a.shelvedUntil), locale),
                  })}
                </div>
              )}
            </td>
            <td>
              <button type="button" className="link" onClick={() => props.onOpenNode(a.nodeId)}>
                {a.nodeId}
              </button>
            </td>
            <td>
              {a.message}
              <div className="muted small">{a.code}</div>
            </td>
            <td>{formatBerlinDateTime(Date.parse(a.raisedAt), locale)}</td>
            <td>
              {a.acknowledgedBy && a.acknowledgedAt
                ? t('alarms.takenBy', {
                    username: a.acknowledgedBy.username,
                    time: formatBerlinDateTime(Date.parse(a.acknowledgedAt), locale),
                  })
                : '–'}
              {a.acknowledgeComment && <div className="muted small">„{a.acknowledgeComment}“</div>}
            </td>
            <td className="actions">
              {props.actionsFor(a).map((action) => (
                <button
                  key={action}
                  type="button"
                  data-action={action}
                  onClick={() => props.onAction(a, action)}
                >
                  {t(ACTION_LABEL[action])}
                </button>
              ))}
              <button type="button" data-action="audit" onClick={() => props.onAudit(a)}>
                {t('alarms.audit')}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export { ACTION_LABEL };
