import { useState } from 'react';
import type { Alarm } from '../../api/types';
import type { Translate } from '../../i18n/i18n';
import { needsComment, type UserAction } from './alarm-actions';
import { ACTION_LABEL } from './AlarmTable';

const SHELVE_OPTIONS = [
  { key: 'alarms.shelve.30m', ms: 30 * 60_000 },
  { key: 'alarms.shelve.2h', ms: 2 * 3600_000 },
  { key: 'alarms.shelve.8h', ms: 8 * 3600_000 },
] as const;

export interface ActionRequest {
  comment: string;
  /** For shelving: until when (ISO). */
  until?: string;
}

/** Asks for the comment (and the shelving time) an action needs, then submits. */
export function AlarmActionDialog(props: {
  alarm: Alarm;
  action: UserAction;
  t: Translate;
  busy: boolean;
  error: string | undefined;
  onSubmit: (r: ActionRequest) => void;
  onCancel: () => void;
}) {
  const { t, action } = props;
  const [comment, setComment] = useState('');
  const [shelveMs, setShelveMs] = useState<number>(SHELVE_OPTIONS[0].ms);
  const [touched, setTouched] = useState(false);
  const missing = needsComment(action) && comment.trim() === '';
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (missing) return;
    props.onSubmit({
      comment: comment.trim(),
      ...(action === 'shelve' ? { until: new Date(Date.now() + shelveMs).toISOString() } : {}),
    });
  };
  return (
    <div className="dialog-backdrop">
      <form className="dialog" role="dialog" aria-modal="true" data-testid="action-dialog" onSubmit={submit}>
        <h3>
          {t(ACTION_LABEL[action])}: {props.alarm.nodeId}
        </h3>
        <p>{props.alarm.message}</p>
        {action === 'shelve' && (
          <label>
            {t('alarms.shelveFor')}{' '}
            <select value={shelveMs} onChange={(e) => setShelveMs(Number(e.target.value))}>
              {SHELVE_OPTIONS.map((o) => (
                <option key={o.key} value={o.ms}>
                  {t(o.key)}
                </option>
              ))}
            </select>
          </label>
        )}
        {needsComment(action) && (
          <label className="block">
            {t('alarms.comment')}
            <textarea
              data-testid="action-comment"
              value={comment}
              maxLength={1000}
              rows={3}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
        )}
        {touched && missing && <p className="error">{t('alarms.commentRequired')}</p>}
        {props.error && <p className="error">{t('app.error', { message: props.error })}</p>}
        <div className="dialog-buttons">
          <button type="button" onClick={props.onCancel}>
            {t('alarms.cancel')}
          </button>
          <button type="submit" className="primary" data-testid="action-submit" disabled={props.busy}>
            {t('alarms.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}
