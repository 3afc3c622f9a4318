import type { Locale } from '../lib/berlin-time';
import { de, type MessageKey } from './messages.de';
import { en } from './messages.en';

export type { MessageKey };
export const LOCALES: readonly Locale[] = ['de', 'en'];
const catalogues: Record<Locale, Record<MessageKey, string>> = { de, en };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A translator for one locale: `{name}` placeholders are replaced; numbers use the locale's format. */
export function translator(locale: Locale): Translate {
  const cat = catalogues[locale];
  const nf = new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 1 });
  return (key, params) => {
    const text = cat[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = params[name];
      if (v === undefined) return whole;
      return typeof v === 'number' ? nf.format(v) : v;
    });
  };
}

export function formatNumber(locale: Locale, value: number, fractionDigits = 1): string {
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    maximumFractionDigits: fractionDigits,
    minimumFractionDigits: fractionDigits,
  }).format(value);
}

/** The browser's preferred language when it is one we have, else German (the utility's language). */
export function preferredLocale(languages: readonly string[]): Locale {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'de';
}

/** 'vor 3 min' / '3 min ago' */
export function formatAge(t: Translate, ageS: number): string {
  if (ageS < 90) return t('age.seconds', { n: Math.round(ageS) });
  if (ageS < 90 * 60) return t('age.minutes', { n: Math.round(ageS / 60) });
  return t('age.hours', { n: Math.round(ageS / 3600) });
}
