import type { AuditEntry } from '../../api/types';
import type { Translate } from '../../i18n/i18n';
import { formatBerlinDateTime, type Locale } from '../../lib/berlin-time';

/** `from → to` when the entry's detail names the states. */
function transition(detail: Record<string, unknown>): string {
  const from = detail['from'];
  const to = detail['to'];
  return typeof from === 'string' && typeof to === 'string' ? `${from} → ${to}` : '–';
}

export function AuditTrail(props: {
  alarmId: string;
  entries: AuditEntry[] | undefined;
  error: string | undefined;
  locale: Locale;
  t: Translate;
  onClose: () => void;
}) {
  const { t } = props;
  return (
    <section
      className="audit"
      data-testid="audit-trail"
      aria-label={t('audit.heading', { id: props.alarmId })}
    >
      <header>
        <h3>{t('audit.heading', { id: props.alarmId })}</h3>
        <button type="button" onClick={props.onClose}>
          {t('audit.close')}
        </button>
      </header>
      {props.error ? (
        <p className="error">{t('app.error', { message: props.error })}</p>
      ) : !props.entries ? (
        <p>{t('app.loading')}</p>
      ) : props.entries.length === 0 ? (
        <p className="muted">{t('audit.none')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('audit.at')}</th>
              <th>{t('audit.actor')}</th>
              <th>{t('audit.action')}</th>
              <th>{t('audit.transition')}</th>
              <th>{t('audit.comment')}</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr key={e.id} data-audit-action={e.action}>
                <td>{formatBerlinDateTime(Date.parse(e.at), props.locale)}</td>
                <td>{e.actorName}</td>
                <td>{e.action}</td>
                <td>{transition(e.detail)}</td>
                <td data-testid="audit-reason">{e.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
