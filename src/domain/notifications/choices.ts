// Choices offered with a message: reply buttons or a list to tap. A channel-neutral fact stored in the
// outbox payload (`payload.choices`); each channel adapter shows it its own way (the Cloud API as an
// `interactive` message, whatsapp-web.js and the terminal as a numbered text menu). Each item's id is the
// command text a tap runs, so a tap and typing that command do the same thing.
export interface Choice {
  /** The command a tap runs, e.g. 'bal' or 'void 12 undo'. */
  id: string;
  title: string;
  description?: string;
}

export interface Choices {
  /** 'buttons': up to 3 reply buttons; 'list': a list of up to 10 rows behind one button. */
  style: 'buttons' | 'list';
  items: Choice[];
  /** The list's button label (list style only). */
  button?: string;
  /** The line under a numbered text menu, in the recipient's language ("Reply with a number"). */
  numberHint: string;
}

export function isChoices(value: unknown): value is Choices {
  const c = value as Choices | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    (c.style === 'buttons' || c.style === 'list') &&
    Array.isArray(c.items) &&
    c.items.length > 0 &&
    c.items.every((i) => typeof i?.id === 'string' && typeof i.title === 'string')
  );
}

/**
 * The numbered text form of a message with choices, for channels without buttons: a list as a block
 * (`1 · Balance — …` and the hint), buttons as one short line (`[1] Undo #12`) so a staff reply stays compact.
 */
export function numberedMenu(text: string, choices: Choices): string {
  if (choices.style === 'buttons') return `${text}\n${choices.items.map((c, i) => `[${i + 1}] ${c.title}`).join('   ')}`;
  const lines = choices.items.map((c, i) => `${i + 1} · ${c.title}${c.description ? ` — ${c.description}` : ''}`);
  return [text, '', ...lines, '', choices.numberHint].join('\n');
}
