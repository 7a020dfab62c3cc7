// The chat pipeline: a stored inbound message → sender → parsed lines → domain services → replies, receipts and
// notices in the outbox, all in ONE transaction per message. Channel-neutral: nothing here knows WhatsApp.
//
// deps (ChatDeps):
//   orm         the MikroORM instance (each call forks its own EntityManager)
//   config      { marketTimeZone } — dates and slots are the market's local ones
//   logger      pino logger
//   statements  optional StatementsPort from the settlements feature; absent → "statements are not available yet"
//
// processInboundMessage(deps, id) is safe to call twice and from several workers or replicas at once: the row is
// claimed FOR UPDATE, only while outcome is null, and only together with the sender's earlier unprocessed
// messages (see claimInboundInOrder). An unexpected failure rolls the work back, then marks
// the row outcome='error' and sends a short apology in a second transaction; the message text is never lost.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConnectionException, DeadlockException, LockWaitTimeoutException, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { recordSecurityEvent } from '../domain/audit/audit.service.js';
import { getBalance } from '../domain/balances/balances.service.js';
import { activeFlowers } from '../domain/flowers/flower.service.js';
import {
  claimInboundInOrder,
  claimInboundWithReferenceData,
  recordInboundError,
  recordInboundOutcome,
  recordInboundOutcomes,
  type InboundRow,
} from '../domain/inbox/claims.js';
import { storeInbound, type InboundMessage } from '../domain/inbox/inbound.js';
import { localDate } from '../domain/market-time.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { normalizePhone } from '../domain/phone.js';
import { withReferenceCache } from '../domain/reference-cache.js';
import { primeReferenceData } from '../domain/reference-data.js';
import { getStringSetting } from '../domain/settings/settings.service.js';
import { activeSlots } from '../domain/slots/slot.service.js';
import { translator } from '../i18n.js';
import { settleHeldLines, settleTappedLines } from './confirmations.js';
import { runLine, type LineContext, type StatementsPort } from './dispatch.js';
import { receiptNotifications, type ReceiptBook } from './receipts.js';
import { sendBuyerReceipts } from './buyer-receipts.js';
import { identifySender, type Sender } from './identify.js';
import { applyPlain, plainPlan, resolvePlain, YIELD_EVERY, type PlainPlan, type PlainWork } from './bulk.js';
import { parseLine, type Vocabulary } from './parse.js';
import { joinVerdicts } from './render.js';
import { confirmChoices, farmerMenu, heldTap, nudgeToText, tellNumberChange } from './conversation.js';
import { changeWhatsappNumber } from '../domain/identity/number-change.js';
import { menuNumber, pickFromMenu } from '../domain/menus/menus.js';
import type { Choices } from '../domain/notifications/choices.js';

export interface ChatDeps {
  orm: MikroORM;
  config: Pick<Config, 'marketTimeZone'> & Partial<Pick<Config, 'dataDir'>>;
  logger: Logger;
  statements?: StatementsPort;
  /** false: every message takes the full one-by-one path (tests compare the two). Default true. */
  plainInBulk?: boolean;
}

export type ChatOutcome =
  | 'done'
  | 'partial'
  | 'rejected'
  | 'empty'
  | 'non_text'
  | 'non_text_quiet'
  | 'reaction'
  | 'ignored'
  | 'number_changed'
  | 'number_change_clash'
  | 'unknown_sender'
  | 'no_phone'
  | 'error';

/** Stores a message once by provider id, then processes it (the console channel's path). */
export async function receiveMessage(deps: ChatDeps, message: InboundMessage): Promise<{ id: string; duplicate: boolean }> {
  const stored = await storeInbound(deps.orm.em.fork(), message);
  if (!stored.duplicate) await processInboundMessage(deps, stored.id);
  return stored;
}

export async function processInboundMessage(deps: ChatDeps, inboundMessageId: string): Promise<void> {
  try {
    // Settings, slots and flowers are read once for the whole message, as in a batch.
    await withReferenceCache(() =>
      deps.orm.em.fork().transactional(async (em) => {
        const rows = await claimInboundWithReferenceData(em, inboundMessageId);
        // An earlier message of this sender was still waiting (it went to another replica, or a crash left it):
        // it goes first, in the same transaction, with the batch path's per-message isolation.
        if (rows.length > 1) return processClaimed(em, deps, rows);
        const row = rows[0];
        if (!row) return; // processed already (by this or another replica)
        // A plain entry or `bal` takes the set-based path (a few statements); anything else the full one.
        const vocab = await vocabulary(em);
        const plan = deps.plainInBulk === false ? null : plainPlan(row, vocab);
        const work = plan && (await resolvePlain(em, deps.config.marketTimeZone, vocab, [{ row, plan }]))[0];
        const outcome = work ? (await applyPlain(em, [work]))[0]!.outcome : await handleMessage(em, deps, row);
        await em.flush();
        await recordInboundOutcome(em, row.id, outcome, { waitForFlush: work?.kind !== 'balance' });
      }),
    );
  } catch (err) {
    deps.logger.error({ err, inboundMessageId }, 'chat message failed; recording the error and apologising');
    await recordFailure(deps, inboundMessageId, err);
  }
}

const vocabulary = async (em: EntityManager) => ({ flowers: await activeFlowers(em), slots: await activeSlots(em) });

const isLockTrouble = (err: unknown) =>
  err instanceof DeadlockException || err instanceof LockWaitTimeoutException || err instanceof ConnectionException;

/**
 * Processes several stored messages in ONE transaction (one commit for the lot), each message in its own
 * savepoint with a fresh identity map: a message that fails is rolled back alone, gets its error recorded and
 * an apology, and the others keep their work. Messages run in arrival (id) order, so one sender's `undo` still
 * follows the entry it undoes. Rows already processed are skipped; rows another replica is processing are
 * waited for (see claimInboundInOrder). If the batch as
 * a whole cannot commit, nothing of it is kept and the rows stay unprocessed; the caller then retries them one
 * by one with processInboundMessage().
 */
export async function processInboundBatch(deps: ChatDeps, inboundMessageIds: string[]): Promise<void> {
  if (inboundMessageIds.length === 0) return;
  const attempt = (isolateRuns: boolean) =>
    withReferenceCache(() =>
      deps.orm.em.fork().transactional(async (em) => {
        const rows = await claimInboundInOrder(em, inboundMessageIds);
        if (rows.length) await primeReferenceData(em);
        await processClaimed(em, deps, rows, isolateRuns);
      }),
    );
  try {
    await attempt(false);
  } catch (err) {
    if (!(err instanceof WholeRunFailed)) throw err;
    deps.logger.warn(
      { err: err.cause, count: inboundMessageIds.length },
      'a batch of plain messages failed in bulk; doing it again with each run isolated',
    );
    await attempt(true);
  }
}

/** The batch was one plain run, applied without a savepoint, and it failed: the batch is done again, isolated. */
class WholeRunFailed extends Error {
  constructor(cause: unknown) {
    super('a batch-wide plain run failed', { cause });
  }
}

/** Claimed rows, the reference data already read by the claimer, processed in one transaction. */
async function processClaimed(em: EntityManager, deps: ChatDeps, rows: InboundRow[], isolateRuns = true): Promise<void> {
  if (!rows.length) return;
  // Only `bal` answers written, no ledger row: see OutcomeCommit.
  let onlyAnswers = true;
  const outcomes: { id: string; outcome: ChatOutcome }[] = [];
  const oneByOne = async (row: InboundRow) => {
    onlyAnswers = false;
    try {
      const outcome = await em.transactional(
        async (tx) => {
          const o = await handleMessage(tx, deps, row);
          await tx.flush();
          return o;
        },
        { clear: true },
      );
      outcomes.push({ id: row.id, outcome });
    } catch (err) {
      // Waiting on another batch's locks says nothing about this message: give the batch up and retry it.
      if (isLockTrouble(err)) throw err;
      deps.logger.error({ err, inboundMessageId: row.id }, 'chat message failed; recording the error and apologising');
      await em.transactional((tx) => failAndApologise(tx, row, err), { clear: true });
    }
  };
  // Runs of plain messages (entries only, or a lone `bal`) go in bulk; the rest one by one, all in arrival order.
  const vocab = await vocabulary(em);
  const plans: (PlainPlan | null)[] = [];
  for (const row of rows) {
    if (plans.length % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    plans.push(deps.plainInBulk === false ? null : plainPlan(row, vocab));
  }
  for (let i = 0; i < rows.length;) {
    const kind = plans[i]?.kind;
    if (!kind) {
      await oneByOne(rows[i++]!);
      continue;
    }
    let end = i;
    while (end < rows.length && plans[end]?.kind === kind) end++;
    const planned = rows.slice(i, end).map((row, k) => ({ row, plan: plans[i + k]! }));
    const works = await resolvePlain(em, deps.config.marketTimeZone, vocab, planned);
    for (let a = 0; a < works.length;) {
      if (!works[a]) {
        await oneByOne(planned[a++]!.row);
        continue;
      }
      let b = a;
      while (b < works.length && works[b]) b++;
      const run = works.slice(a, b) as PlainWork[];
      if (!run.every((w) => w.kind === 'balance')) onlyAnswers = false;
      // The whole batch is one plain run (the usual case under load): no savepoint, two round trips fewer. If it
      // fails, the transaction is lost with it and the caller does the batch again with every run isolated.
      if (!isolateRuns && run.length === rows.length) {
        try {
          outcomes.push(...(await applyPlain(em, run)));
        } catch (err) {
          throw isLockTrouble(err) ? err : new WholeRunFailed(err);
        }
        a = b;
        continue;
      }
      try {
        outcomes.push(...(await em.transactional((tx) => applyPlain(tx, run), { clear: true })));
      } catch (err) {
        if (isLockTrouble(err)) throw err;
        // Rolled back to before the run: the one-by-one path gives each message its own verdict.
        deps.logger.warn({ err, count: run.length }, 'a run of plain messages failed in bulk; doing them one by one');
        for (const w of run) await oneByOne(w.row);
      }
      a = b;
    }
    i = end;
  }
  // One statement marks every message that went through.
  await recordInboundOutcomes(em, outcomes, { waitForFlush: !onlyAnswers });
}

/** Marks the row 'error' and queues the short apology; call inside a transaction. */
async function failAndApologise(em: EntityManager, row: Pick<InboundRow, 'id'>, err: unknown): Promise<void> {
  const stored = await recordInboundError(em, row.id, String(err instanceof Error ? (err.stack ?? err.message) : err));
  const phone = stored && (stored.sender_phone ?? normalizePhone(stored.sender));
  if (!phone) return;
  const sender = await identifySender(em, phone);
  if (!sender.user && !sender.farmer && !sender.buyer) return;
  reply(em, sender, translator(sender.language)('chat.apology'));
}

async function recordFailure(deps: ChatDeps, inboundMessageId: string, err: unknown): Promise<void> {
  try {
    await deps.orm.em.fork().transactional((em) => failAndApologise(em, { id: inboundMessageId }, err));
  } catch (second) {
    // The row keeps outcome null, so the start-up sweep will try it again.
    deps.logger.error({ err: second, inboundMessageId }, 'could not record the chat failure');
  }
}

function reply(em: EntityManager, sender: Sender, text: string, type: 'reply' | 'notice' = 'reply', choices?: Choices) {
  enqueueNotification(em, {
    recipientPhone: sender.phone,
    type,
    language: sender.language,
    payload: choices ? { text, choices } : { text },
    userId: sender.user?.id ?? null,
    farmerId: sender.farmer?.id ?? null,
  });
}

async function handleMessage(em: EntityManager, deps: ChatDeps, row: InboundRow): Promise<ChatOutcome> {
  const at = new Date(row.received_at);
  const timeZone = deps.config.marketTimeZone;
  const phone = row.sender_phone ?? normalizePhone(row.sender);
  if (!phone) {
    recordSecurityEvent(em, { action: 'chat.unidentified_sender', actorPhone: row.sender.slice(0, 40), entity: 'inbound_message', entityId: row.id });
    return 'no_phone';
  }
  // A reaction (👍 on a receipt) is not a question: stored, answered with nothing. Other system notices likewise.
  if (row.media_kind === 'reaction') return 'reaction';
  if (row.media_kind === 'system') return 'ignored';
  if (row.media_kind === 'number_changed') return numberChanged(em, phone, row);
  const sender = await identifySender(em, phone);
  if (!sender.user && !sender.farmer && !sender.buyer) return unknownSender(em, phone, row, localDate(at, timeZone));
  let text = row.text;
  // A tapped button or list row carries its command as text; anything else that is not typed text gets one nudge.
  if ((row.media_kind && row.media_kind !== 'choice') || text === null) {
    const answered = await nudgeToText(em, {
      phone,
      language: sender.language,
      // The list is the farmer's: staff and buyers get the words alone.
      withList: sender.user === null && !sender.buyer && sender.farmer !== null,
      userId: sender.user?.id ?? null,
      farmerId: sender.farmer?.id ?? null,
    });
    return answered ? 'non_text' : 'non_text_quiet';
  }
  // A bare number answers the numbered menu this phone was last shown (whatsapp-web.js, the terminal).
  // A choice made by number counts as a tap (a confirm button's command names its held lines).
  let tapped = row.media_kind === 'choice';
  const n = row.media_kind ? null : menuNumber(text);
  if (n !== null) {
    const pick = await pickFromMenu(em, phone, n);
    if (pick.kind === 'command') [text, tapped] = [pick.command, true];
    else if (!sender.user) {
      // A farmer's bare number is a menu choice whatever else it could be: show the list to choose from.
      const t = translator(sender.language);
      const said = pick.kind === 'out_of_range' ? t('conversation.outOfRange', { number: n, size: pick.size }) : t('conversation.intro');
      reply(em, sender, said, 'reply', farmerMenu(sender.language));
      return 'rejected';
    }
  }
  const lines = text
    .split(/\r?\n/)
    .map((text, index) => ({ text, index }))
    .filter((l) => l.text.trim() !== '');
  if (lines.length === 0) {
    reply(em, sender, translator(sender.language)('chat.emptyMessage'));
    return 'empty';
  }
  const vocab = await vocabulary(em);
  const ctx: LineContext = {
    em,
    sender,
    lang: sender.language,
    at,
    date: localDate(at, timeZone),
    timeZone,
    providerMessageId: row.provider_message_id,
    vocab,
    receipts: new Map(),
    buyerReceipts: new Map(),
    statements: deps.statements,
    dataDir: deps.config.dataDir,
    singleLine: lines.length === 1,
  };
  const parsed = lines.map((line) => parseLine(line.text, vocab));
  const tap = tapped ? heldTap(text) : null;
  // Lines the fat-finger guard held for this sender: a tapped confirm button settles exactly the ones it names;
  // otherwise confirmed by a lone `ok`, dropped by anything else.
  const held = tap ? { verdicts: await settleTappedLines(ctx, tap), notes: [] } : await settleHeldLines(ctx, parsed);
  const verdicts = held.verdicts ?? [];
  if (!held.verdicts) for (const [i, line] of lines.entries()) verdicts.push(await runLine(ctx, parsed[i]!, line.index));
  const heldIds = verdicts.flatMap((v) => (v.heldId ? [v.heldId] : []));
  const choices = heldIds.length ? confirmChoices(sender.language, heldIds) : verdicts.length === 1 ? verdicts[0]!.choices : undefined;
  reply(em, sender, [...held.notes, joinVerdicts(verdicts.map((v) => v.text))].join('\n'), 'reply', choices);
  await sendReceipts(em, sender, ctx.receipts);
  await sendBuyerReceipts(em, sender.phone, ctx.buyerReceipts!);
  const good = verdicts.filter((v) => v.ok).length;
  return good === verdicts.length ? 'done' : good === 0 ? 'rejected' : 'partial';
}

/** One receipt per farmer per message (WhatsApp's pair limit), in the farmer's language, with the new balance. */
async function sendReceipts(em: EntityManager, sender: Sender, book: ReceiptBook): Promise<void> {
  const balanceOf = async (farmerId: string) => (await getBalance(em, farmerId)).currentBalance;
  for (const n of await receiptNotifications(em, book, { senderPhone: sender.phone, balanceOf })) enqueueNotification(em, n);
}

/** `user_changed_number`: the domain moves the number (or refuses on a clash); the people involved are told. */
async function numberChanged(em: EntityManager, phone: string, row: InboundRow): Promise<ChatOutcome> {
  const to = row.text && normalizePhone(row.text);
  if (!to) return 'ignored';
  const change = await changeWhatsappNumber(em, { from: phone, to, source: { entity: 'inbound_message', entityId: row.id } });
  if (change.kind === 'unknown' || change.kind === 'unchanged') return 'ignored';
  await tellNumberChange(em, change);
  return change.kind === 'moved' ? 'number_changed' : 'number_change_clash';
}

/** An unregistered phone: a security log row every time, one polite bilingual reply per market day. */
async function unknownSender(em: EntityManager, phone: string, row: InboundRow, date: string): Promise<ChatOutcome> {
  // Two messages from the same number at once must not both reply.
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`chat-unknown:${phone}`]);
  const earlier = await em.execute<unknown[]>(
    `select 1 from security_logs where action = 'chat.unknown_sender' and actor_phone = ?
        and details->>'date' = ? and details->>'replied' = 'true' limit 1`,
    [phone, date],
  );
  const replied = earlier.length === 0;
  recordSecurityEvent(em, {
    action: 'chat.unknown_sender',
    actorPhone: phone,
    entity: 'inbound_message',
    entityId: row.id,
    details: { date, replied, text: row.text?.slice(0, 200) ?? null, mediaKind: row.media_kind },
  });
  if (replied) {
    const t = translator('en');
    const text = t('chat.unknownSender', {
      market: await getStringSetting(em, 'market_name'),
      marketTa: await getStringSetting(em, 'market_name_ta'),
    });
    enqueueNotification(em, { recipientPhone: phone, type: 'notice', language: 'en', payload: { text } });
  }
  // Flush now: the lock is held until commit, and the next message must see this row.
  await em.flush();
  return 'unknown_sender';
}
