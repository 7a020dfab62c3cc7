// Channel-neutral choices → Meta's `interactive` message (reply buttons or a list), fitted to Meta's limits.
// Meta counts characters, not bytes; a Tamil letter is often two or three code points (consonant, vowel
// sign, virama), so titles are measured in code points and cut only between whole letters (grapheme
// clusters), never inside one. Limits from Meta's interactive reply-button and list message references.
import type { Choices } from '../../domain/notifications/choices.js';

export const META_LIMITS = {
  body: 1024,
  footer: 60,
  header: 60,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listButton: 20,
  listRows: 10,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  sectionTitle: 24,
} as const;

/** Length as Meta counts it (code points; for Tamil and English, the same as UTF-16 units). */
export const charCount = (s: string) => Array.from(s).length;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** At most `max` characters, cut between whole letters, with '…' when something was cut. */
export function fitText(s: string, max: number): string {
  if (charCount(s) <= max) return s;
  let out = '';
  for (const { segment } of segmenter.segment(s)) {
    if (charCount(out) + charCount(segment) > max - 1) break;
    out += segment;
  }
  return `${out.trimEnd()}…`;
}

export type InteractivePayload =
  | { type: 'button'; body: { text: string }; action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] } }
  | {
      type: 'list';
      body: { text: string };
      action: { button: string; sections: { rows: { id: string; title: string; description?: string }[] }[] };
    };

/**
 * The `interactive` object for a text with choices, or null when it cannot be sent as one without losing
 * something that matters: a body over Meta's limit (money text is never cut), too many items, or an id
 * (the command) too long. The caller then sends the numbered text menu instead.
 */
export function interactivePayload(text: string, choices: Choices): InteractivePayload | null {
  if (charCount(text) > META_LIMITS.body || text.trim() === '') return null;
  if (choices.style === 'buttons') {
    if (choices.items.length > META_LIMITS.buttons || choices.items.some((c) => charCount(c.id) > META_LIMITS.buttonId)) return null;
    return {
      type: 'button',
      body: { text },
      action: { buttons: choices.items.map((c) => ({ type: 'reply', reply: { id: c.id, title: fitText(c.title, META_LIMITS.buttonTitle) } })) },
    };
  }
  if (choices.items.length > META_LIMITS.listRows || choices.items.some((c) => charCount(c.id) > META_LIMITS.rowId)) return null;
  return {
    type: 'list',
    body: { text },
    action: {
      button: fitText(choices.button ?? '☰', META_LIMITS.listButton),
      sections: [
        {
          rows: choices.items.map((c) => ({
            id: c.id,
            title: fitText(c.title, META_LIMITS.rowTitle),
            ...(c.description ? { description: fitText(c.description, META_LIMITS.rowDescription) } : {}),
          })),
        },
      ],
    },
  };
}
