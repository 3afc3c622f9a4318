import { LOCALES, type Translate } from '../../i18n/i18n';
import type { Locale } from '../../lib/berlin-time';

export function LanguageSwitch(props: { locale: Locale; t: Translate; onChange: (l: Locale) => void }) {
  return (
    <label className="lang">
      <span className="sr-only">{props.t('lang.label')}</span>
      <select
        data-testid="language"
        value={props.locale}
        aria-label={props.t('lang.label')}
        onChange={(e) => props.onChange(e.target.value as Locale)}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {props.t(l === 'de' ? 'lang.de' : 'lang.en')}
          </option>
        ))}
      </select>
    </label>
  );
}
