// Meta's error codes in words, in the reader's language (the API listing, the day-end summary).
import { translator } from '../i18n.js';
import type { Language } from '../domain/columns.js';
import { EXPLAINED_CODES } from '../domain/notifications/failures.js';

export function explainMetaError(code: string | null, lang: Language): string {
  const t = translator(lang);
  if (!code) return t('notifications.metaError.none');
  return (EXPLAINED_CODES as readonly string[]).includes(code) ? t(`notifications.metaError.${code}`) : t('notifications.metaError.other', { code });
}
