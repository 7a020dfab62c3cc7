// What the conversation offers beyond typed commands, worded in the recipient's language: the farmer's list
// of commands to tap, the undo button on a just-saved entry, the one "please send text" answer per few
// minutes, and what a changed WhatsApp number tells the people involved. The rules behind them live in
// src/domain (menus, identity/number-change); the facts become words here.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../domain/columns.js';
import { activeAdmins } from '../domain/broadcasts/recipients.js';
import type { NumberChange, NumberHolder } from '../domain/identity/number-change.js';
import type { Choices } from '../domain/notifications/choices.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { getStringSetting } from '../domain/settings/settings.service.js';
import { translator } from '../i18n.js';

/** The farmer's commands, in the order of the list; each row's id is the command a tap runs. */
export const FARMER_MENU_COMMANDS = ['bal', 'rates', 'today', 'stmt'] as const;

/** The farmer's list: balance, today's rates, my deliveries today, statement, and the other language. */
export function farmerMenu(lang: Language): Choices {
  const t = translator(lang);
  const row = (key: string, id: string) => ({ id, title: t(`conversation.row.${key}.title`), description: t(`conversation.row.${key}.description`) });
  return {
    style: 'list',
    button: t('conversation.menuButton'),
    numberHint: t('conversation.numberHint'),
    items: [...FARMER_MENU_COMMANDS.map((c) => row(c, c)), row('lang', lang === 'ta' ? 'lang en' : 'lang ta')],
  };
}

/**
 * The button under a just-saved entry: it voids exactly that entry (by number), never "the last one", so a
 * late tap cannot cancel a later entry.
 */
export function undoChoice(lang: Language, entryNo: string): Choices {
  const t = translator(lang);
  return {
    style: 'buttons',
    numberHint: t('conversation.numberHint'),
    items: [{ id: `void ${entryNo} undo`, title: t('conversation.undo', { no: entryNo }) }],
  };
}

/** Most held lines one pair of confirm buttons may carry (each id is 36 characters; a button id holds 256). */
export const MAX_TAPPED_HELD = 6;
const HELD_TAP = /^(ok|no)((?: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}){1,6})$/;

/**
 * The buttons under a reply that held lines for confirmation: `சரி / OK` and `வேண்டாம் / Cancel`, each naming
 * exactly those held lines, so a tap settles them and nothing held later.
 */
export function confirmChoices(lang: Language, heldIds: string[]): Choices | undefined {
  if (heldIds.length === 0 || heldIds.length > MAX_TAPPED_HELD) return undefined;
  const t = translator(lang);
  const ids = heldIds.join(' ');
  return {
    style: 'buttons',
    numberHint: t('conversation.numberHint'),
    items: [
      { id: `ok ${ids}`, title: t('conversation.confirm') },
      { id: `no ${ids}`, title: t('conversation.cancel') },
    ],
  };
}

/** A tapped confirm button: what it says and which held lines; null for any other text. */
export function heldTap(text: string): { confirm: boolean; ids: string[] } | null {
  const m = text.trim().match(HELD_TAP);
  return m ? { confirm: m[1] === 'ok', ids: m[2]!.trim().split(' ') } : null;
}

/** At most one "please send text" answer per person in this window, so a burst of photos gets one reply. */
export const NUDGE_WINDOW_MS = 5 * 60_000;
export const NUDGE_TYPE = 'please_send_text';

/**
 * A location, contact card, order, photo or other shape we cannot read: one short answer (with the list, for
 * a farmer) unless this person already got one within NUDGE_WINDOW_MS. Decided in PostgreSQL: a lock per phone
 * and the outbox rows themselves, so replicas and simultaneous messages agree. Returns whether it answered.
 */
export async function nudgeToText(
  em: EntityManager,
  who: {
    phone: string;
    language: Language;
    /** A farmer-only phone: the words come with the farmer's list. */ withList: boolean;
    userId: string | null;
    farmerId: string | null;
  },
): Promise<boolean> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`chat-nudge:${who.phone}`]);
  const recent = await em.execute<unknown[]>(
    `select 1 from notifications where recipient_phone = ? and type = ? and created_at > now() - (? * interval '1 millisecond') limit 1`,
    [who.phone, NUDGE_TYPE, NUDGE_WINDOW_MS],
  );
  if (recent.length) return false;
  const t = translator(who.language);
  enqueueNotification(em, {
    recipientPhone: who.phone,
    type: NUDGE_TYPE,
    language: who.language,
    payload: who.withList
      ? { text: t('conversation.pleaseSendText'), choices: farmerMenu(who.language) }
      : { text: t('conversation.pleaseSendTextStaff') },
    userId: who.userId,
    farmerId: who.farmerId,
  });
  // The next message of this person must see the row (the lock is held until commit).
  await em.flush();
  return true;
}

const whoIs = (people: NumberHolder[]) => people.map((p) => `${p.name} (${p.label})`).join(', ');

/** The words of a number change: a confirmation at the new number, and the admins told (or asked, on a clash). */
export async function tellNumberChange(em: EntityManager, change: Extract<NumberChange, { kind: 'moved' | 'clash' }>): Promise<void> {
  const market = { en: await getStringSetting(em, 'market_name'), ta: await getStringSetting(em, 'market_name_ta') };
  if (change.kind === 'moved') {
    // One confirmation at the new number, in the language of the person (a phone that is staff and farmer: the user row's).
    const person = change.people.find((p) => p.kind === 'user') ?? change.people[0]!;
    enqueueNotification(em, {
      recipientPhone: change.to,
      type: 'notice',
      language: person.language,
      payload: { text: translator(person.language)('conversation.numberChanged.person', { market: market[person.language], to: change.to }) },
      userId: change.people.find((p) => p.kind === 'user')?.id ?? null,
      farmerId: change.people.find((p) => p.kind === 'farmer')?.id ?? null,
    });
  }
  for (const admin of await activeAdmins(em)) {
    // An admin who changed their own number is told at the new one.
    const to = change.kind === 'moved' && change.people.some((p) => p.kind === 'user' && p.id === admin.id) ? change.to : admin.phone;
    const t = translator(admin.language);
    const values = { who: whoIs(change.people), from: change.from, to: change.to, owners: change.kind === 'clash' ? whoIs(change.owners) : '' };
    enqueueNotification(em, {
      recipientPhone: to,
      type: 'admin_notice',
      language: admin.language,
      payload: { text: t(change.kind === 'moved' ? 'conversation.numberChanged.admin' : 'conversation.numberChanged.clash', values) },
      userId: admin.id,
    });
  }
}
