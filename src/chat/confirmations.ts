// Before a staff message's lines run: lines the fat-finger guard held for this sender are settled. A lone `ok`
// (சரி, confirm) records them, each exactly once (confirmHeld claims the rows); `no` (இல்லை) drops them, and so does
// a lone `cancel`/`ரத்து` while something is held (it would otherwise undo an older, saved entry); any other
// message drops them and is then handled as usual, its reply saying what was not saved. Lines whose time ran out
// are marked expired and the sender is told. A tapped confirm button (settleTappedLines) settles only the lines it names.
import { confirmHeld, dropHeld, expireHeld, type HeldLine } from '../domain/confirmations/confirmations.service.js';
import { localDate } from '../domain/market-time.js';
import { getNumberSetting } from '../domain/settings/settings.service.js';
import { translator } from '../i18n.js';
import { runLine, type LineContext, type Verdict } from './dispatch.js';
import { notSavedText, type HeldPayload } from './fixes.js';
import { chatActor } from './identify.js';
import type { ParseResult } from './parse.js';

export interface HeldOutcome {
  /** The message was only about held lines: these are its verdicts, and its lines do not run. */
  verdicts: Verdict[] | null;
  /** Otherwise: what was not saved, said before the message's own verdicts. */
  notes: string[];
}

export async function settleHeldLines(ctx: LineContext, parsed: ParseResult[]): Promise<HeldOutcome> {
  if (!ctx.sender.user) return { verdicts: null, notes: [] };
  const actor = chatActor(ctx.sender.user, ctx.sender.phone);
  const t = translator(ctx.lang);
  const select = { at: ctx.at, messageId: ctx.providerMessageId };
  const expired = await expireHeld(ctx.em, actor, select);
  const minutes = expired.length ? await getNumberSetting(ctx.em, 'confirmation_minutes') : 0;
  const notes = expired.map((l) => notSavedText(t, ctx.lang, l, true, minutes));
  const only = parsed.length === 1 && parsed[0]!.ok ? parsed[0]!.command : null;
  if (only?.kind === 'confirm') {
    const claimed = await confirmHeld(ctx.em, actor, select);
    if (claimed.length === 0) return { verdicts: [{ ok: false, text: notes.length ? notes.join('\n') : t('fixes.nothingHeld') }], notes: [] };
    const verdicts: Verdict[] = notes.map((text) => ({ ok: true, text }));
    for (const line of claimed) verdicts.push(await runHeld(ctx, line));
    return { verdicts, notes: [] };
  }
  const dropped = await dropHeld(ctx.em, actor, select);
  notes.push(...dropped.map((l) => notSavedText(t, ctx.lang, l, false, 0)));
  if (only?.kind === 'decline' || (only?.kind === 'undo' && dropped.length > 0)) {
    return { verdicts: [{ ok: true, text: notes.length ? notes.join('\n') : t('fixes.nothingHeld') }], notes: [] };
  }
  return { verdicts: null, notes };
}

/**
 * A tapped `சரி / OK` or `வேண்டாம் / Cancel` button: confirms or drops exactly the held lines it names, each once
 * (a second tap, or the same tap delivered twice, finds them no longer held). Other held lines are left alone.
 */
export async function settleTappedLines(ctx: LineContext, tap: { confirm: boolean; ids: string[] }): Promise<Verdict[]> {
  const t = translator(ctx.lang);
  if (!ctx.sender.user) return [{ ok: false, text: t('fixes.nothingHeld') }];
  const actor = chatActor(ctx.sender.user, ctx.sender.phone);
  const minutes = await getNumberSetting(ctx.em, 'confirmation_minutes');
  const verdicts: Verdict[] = [];
  for (const id of tap.ids) {
    const select = { id, at: ctx.at, messageId: ctx.providerMessageId };
    for (const l of await expireHeld(ctx.em, actor, select)) verdicts.push({ ok: false, text: notSavedText(t, ctx.lang, l, true, minutes) });
    if (tap.confirm) for (const line of await confirmHeld(ctx.em, actor, select)) verdicts.push(await runHeld(ctx, line));
    else for (const l of await dropHeld(ctx.em, actor, select)) verdicts.push({ ok: true, text: notSavedText(t, ctx.lang, l, false, 0) });
  }
  return verdicts.length ? verdicts : [{ ok: false, text: t('fixes.nothingHeld') }];
}

/** Runs a confirmed line as it was sent (its time, message and line number), with the guard lifted. */
export async function runHeld(ctx: LineContext, line: HeldLine): Promise<Verdict> {
  const p = line.payload as unknown as HeldPayload;
  const at = new Date(p.at);
  return runLine(
    { ...ctx, at, date: localDate(at, ctx.timeZone), providerMessageId: p.messageId, confirmed: true, singleLine: false },
    { ok: true, command: p.command },
    p.line,
  );
}
