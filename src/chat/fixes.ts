// The chat side of corrections and the fat-finger guard: `fix <ref> <quantity>` / `fix <ref> @<rate>`, and lines the
// guard holds. The rules are the domain's (fixEntry, holdForConfirmation); here they get words, in the sender's
// language for replies and the farmer's for receipts (templates/locales/<lang>/fixes.json).
import type { TFunction } from 'i18next';
import type { StaffActor } from '../domain/audit/actor.js';
import type { Language } from '../domain/columns.js';
import type { GuardFact } from '../domain/confirmations/guard.js';
import { holdForConfirmation, type HeldLine } from '../domain/confirmations/confirmations.service.js';
import { fixEntry } from '../domain/entries/fix-entry.js';
import { getNumberSetting } from '../domain/settings/settings.service.js';
import type { Command } from './parse.js';
import { addToReceipt, receiptFarmer } from './receipts.js';
import type { LineContext } from './dispatch.js';
import { entryFigures, money, nameIn, quantity, unitWord } from './render.js';

type FixCommand = Extract<Command, { kind: 'fix' }>;
/** The commands the guard may hold. */
export type GuardedCommand = Extract<Command, { kind: 'entry' | 'advance' | 'fix' }>;

/** What a held line was, in facts the reply can word later (the flower's names, the figures). */
export interface HeldFacts {
  farmer?: string;
  flower?: { name: string; nameTa: string };
  quantity?: string;
  unit?: 'kg' | 'piece';
  rate?: string | null;
  amount?: string;
  entryNo?: string;
}

/** What is stored with a held line: the command to replay, when and where it came from, and its facts. */
export interface HeldPayload {
  command: GuardedCommand;
  at: string;
  messageId: string;
  line: number;
  facts: HeldFacts;
}

export async function runFix(ctx: LineContext, actor: StaffActor, command: FixCommand, lineNo: number, t: TFunction): Promise<string> {
  const fact = await fixEntry(ctx.em, actor, {
    entryNo: command.entryNo,
    quantity: command.quantity,
    rate: command.rate,
    reason: command.reason,
    at: ctx.at,
    timeZone: ctx.timeZone,
    source: 'whatsapp',
    sourceMessageId: ctx.providerMessageId,
    sourceLine: lineNo,
    confirmed: ctx.confirmed ?? false,
  });
  addToReceipt(ctx.receipts, receiptFarmer(fact.farmer), { kind: 'fix', old: fact.old, entry: fact.replacement, flower: fact.flower });
  return t('fixes.fixed', {
    ...fixFigures(t, ctx.lang, fact.old, fact.replacement, fact.flower),
    farmer: fact.farmer.farmerCode,
    balance: money(fact.balanceAfter),
  });
}

/** old → new, as the staff reply and the farmer's receipt show them. */
export function fixFigures(
  t: TFunction,
  lang: Language,
  old: { entryNo: string; quantity: string; ratePerUnit: string; netAmount: string; unit: 'kg' | 'piece' },
  entry: Parameters<typeof entryFigures>[0],
  flower: { name: string; nameTa: string },
) {
  return {
    ...entryFigures(entry, t, lang, flower),
    oldNo: old.entryNo,
    oldQty: quantity(old.quantity),
    oldRate: money(old.ratePerUnit),
    oldNet: money(old.netAmount),
  };
}

/** Facts of a command the guard held, read while the line ran (the vocabulary has the flower). */
export function heldFacts(ctx: LineContext, command: GuardedCommand, guard: GuardFact): HeldFacts {
  switch (command.kind) {
    case 'entry': {
      const f = ctx.vocab.flowers.find((x) => x.id === command.flowerId);
      return {
        farmer: command.farmerCode,
        flower: f && { name: f.name, nameTa: f.nameTa },
        quantity: command.quantity,
        unit: f?.unit,
        rate: command.rate,
      };
    }
    case 'advance':
      return { farmer: command.farmerCode, amount: command.amount };
    case 'fix':
      return {
        entryNo: command.entryNo,
        quantity: command.quantity ?? undefined,
        unit: guard.guard === 'lot' ? guard.unit : undefined,
        rate: command.rate,
      };
  }
}

/** Holds a guarded line; returns the reply verdict asking for `ok`. */
export async function holdLine(ctx: LineContext, actor: StaffActor, command: GuardedCommand, lineNo: number, guard: GuardFact, t: TFunction) {
  const payload: HeldPayload = {
    command,
    at: ctx.at.toISOString(),
    messageId: ctx.providerMessageId,
    line: lineNo,
    facts: heldFacts(ctx, command, guard),
  };
  const held = await holdForConfirmation(ctx.em, actor, {
    kind: command.kind,
    payload: payload as unknown as Record<string, unknown>,
    guard,
    at: ctx.at,
    sourceMessageId: ctx.providerMessageId,
    sourceLine: lineNo,
  });
  const minutes = await getNumberSetting(ctx.em, 'confirmation_minutes');
  const text = t('fixes.held', { what: heldWhat(t, ctx.lang, command.kind, payload.facts), why: guardWhy(t, guard, payload.facts), minutes });
  // The held row's id goes on the confirm buttons, so a tap settles exactly this line.
  return { text, heldId: held.id };
}

/** "FAR002 Rose 900 kg", "advance ₹50,000.00 to FAR002", "fix #12 → 900 kg". */
export function heldWhat(t: TFunction, lang: Language, kind: GuardedCommand['kind'], f: HeldFacts): string {
  const unit = f.unit ? ` ${unitWord(t, f.unit)}` : '';
  const rate = f.rate ? ` @${money(f.rate)}` : '';
  switch (kind) {
    case 'entry':
      return `${f.farmer} ${f.flower ? nameIn(lang, f.flower) : ''} ${quantity(f.quantity ?? '0')}${unit}${rate}`.replace(/\s+/g, ' ');
    case 'advance':
      return t('fixes.whatAdvance', { amount: money(f.amount ?? '0'), farmer: f.farmer });
    case 'fix':
      return t('fixes.whatFix', { no: f.entryNo, to: f.quantity ? `${quantity(f.quantity)}${unit}` : `@${money(f.rate ?? '0')}` });
  }
}

export function guardWhy(t: TFunction, g: GuardFact, f: HeldFacts): string {
  switch (g.guard) {
    case 'lot':
      return t('fixes.whyLot', { limit: quantity(g.limit), unit: unitWord(t, g.unit) });
    case 'rate':
      return t('fixes.whyRate', { rate: money(g.rate), inForce: money(g.rateInForce), factor: g.factor });
    case 'advance':
      return t('fixes.whyAdvance', { amount: money(f.amount ?? g.amount), limit: money(g.limit) });
  }
}

/** A held line as the note that says it was not saved (dropped, or its time ran out). */
export function notSavedText(t: TFunction, lang: Language, line: HeldLine, expired: boolean, minutes: number): string {
  const p = line.payload as unknown as HeldPayload;
  const what = heldWhat(t, lang, p.command.kind, p.facts);
  return expired ? t('fixes.expired', { what, minutes }) : t('fixes.dropped', { what });
}
