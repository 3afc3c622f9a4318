import type { StreamState } from '../../lib/live-stream';
import { formatBerlinTime, type Locale } from '../../lib/berlin-time';
import type { Translate } from '../../i18n/i18n';

const KEY = {
  connecting: 'live.connecting',
  open: 'live.open',
  reconnecting: 'live.reconnecting',
  closed: 'live.closed',
} as const;

/** Connection state of the live stream, always visible in the header. */
export function LiveIndicator(props: {
  state: StreamState;
  detail: string | undefined;
  lastEventAtMs: number | undefined;
  locale: Locale;
  t: Translate;
}) {
  const { state, t } = props;
  return (
    <span
      className={`live live-${state}`}
      data-testid="live-state"
      data-state={state}
      title={props.detail ?? ''}
    >
      <span className="live-dot" aria-hidden="true" />
      {t(KEY[state])}
      {props.lastEventAtMs !== undefined && (
        <span className="live-last">
          {' · '}
          {t('live.lastEvent', { time: formatBerlinTime(props.lastEventAtMs, props.locale) })}
        </span>
      )}
    </span>
  );
}
