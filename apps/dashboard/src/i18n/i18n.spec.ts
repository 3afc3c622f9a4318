import { de } from './messages.de';
import { en } from './messages.en';
import { formatAge, preferredLocale, translator } from './i18n';

describe('message catalogues', () => {
  it('define the same keys, none empty, with the same placeholders', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(de).sort());
    const ph = (s: string): string[] => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(de) as (keyof typeof de)[]) {
      expect(de[k].trim()).not.toBe('');
      expect(en[k].trim()).not.toBe('');
      expect(ph(en[k])).toEqual(ph(de[k]));
    }
  });

  it('interpolates with locale number formats', () => {
    expect(translator('de')('node.loadingPct', { pct: 104.25 })).toBe('Auslastung 104,3 %');
    expect(translator('en')('node.loadingPct', { pct: 104.25 })).toBe('Loading 104.3 %');
    expect(translator('en')('session.user', { username: 'operator', roles: 'operator' })).toBe(
      'Signed in as operator (operator)',
    );
  });

  it('chooses the browser language when known, German otherwise', () => {
    expect(preferredLocale(['en-US', 'de'])).toBe('en');
    expect(preferredLocale(['fr-FR'])).toBe('de');
  });

  it('formats ages', () => {
    const t = translator('de');
    expect(formatAge(t, 12)).toBe('vor 12 s');
    expect(formatAge(t, 600)).toBe('vor 10 min');
    expect(formatAge(t, 7200)).toBe('vor 2 h');
  });
});
