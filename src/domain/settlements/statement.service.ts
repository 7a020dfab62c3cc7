// Statements: the figures of a settlement (or of what is unsettled so far), rendered to PDF and queued for
// the farmer through the outbox. The outbox stores only a small payload; it calls renderStatementDocument()
// when it sends, so a statement is rendered from the database's immutable rows, the same figures every time.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Language } from '../columns.js';
import { dec, sum, rupees, Big } from '../money.js';
import { localDate } from '../market-time.js';
import { enqueueNotification, enqueueNotifications } from '../notifications/outbox.js';
import { LINE_COLUMNS, LINE_JOINS, LINE_ORDER, MARKET_JSON, readSettlementStatements } from './statement-read.js';
import { marketFrom, sharedRate, toAdjustments, toLines, type AdjustmentRow, type LineRow } from './statement-rows.js';
import { statementFilename, type StatementData, type StatementRenderer, type StatementSummary } from './statement-data.js';

/**
 * What a 'statement' notification carries: a settlement, or a farmer's unsettled entries as of an instant, and
 * the language its caption is worded in when it is sent (the edge words it: src/outbox/documents.ts).
 * `caption`: worded at queue time by rows queued before the caption moved to the edge; read as it is.
 */
export type StatementPayload = ({ settlementId: string } | { farmerId: string; asOf: string }) & {
  filename?: string;
  language?: Language;
  caption?: string;
};

/** A statement rendered for sending: its PDF and the figures it shows (the edge words the caption from them). */
export interface StatementDocument {
  bytes: Buffer;
  filename: string;
  mimeType: 'application/pdf';
  data: StatementSummary;
}

interface FarmerRow {
  id: string;
  farmer_code: string;
  name: string;
  village: string | null;
  language_preference: Language;
  recipient: string | null;
}

async function market(em: EntityManager) {
  const { rows } = await sql<{ market: Record<string, string> | null }>`select ${MARKET_JSON} as market`.execute(em.getKysely());
  return marketFrom(rows[0]!.market);
}

async function farmerById(em: EntityManager, farmerId: string): Promise<FarmerRow> {
  const { rows } = await sql<FarmerRow>`
    select id, farmer_code, name, village, language_preference, coalesce(whatsapp_number, phone) as recipient
    from farmers where id = ${farmerId}::uuid`.execute(em.getKysely());
  if (!rows[0]) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  return rows[0];
}

/** The figures of one settlement, from its immutable rows (one round trip: see readSettlementStatements). */
export async function settlementStatementData(em: EntityManager, settlementId: string): Promise<StatementData> {
  const [data] = await readSettlementStatements(em.getKysely(), [settlementId]);
  if (!data) throw new AppError('SETTLEMENT_NOT_FOUND', 'No such settlement', 404);
  return data;
}

/**
 * What a farmer would be settled if the period closed at `asOf`: entries recorded by then and not settled by
 * then, and advances outstanding then. Reading "as of" an instant keeps the figures fixed after later changes.
 */
export async function provisionalStatementData(em: EntityManager, farmerId: string, asOf: Date, timeZone: string): Promise<StatementData> {
  const k = em.getKysely();
  const farmer = await farmerById(em, farmerId);
  const { rows: lineRows } = await sql<LineRow & { net: string; fee: string; commission: string }>`
    select ${LINE_COLUMNS}, de.net_amount::text as net, de.fee_amount::text as fee, de.commission_amount::text as commission
    from daily_entries de ${LINE_JOINS}
    left join settlements s on s.id = de.settlement_id
    where de.farmer_id = ${farmerId}::uuid and de.created_at <= ${asOf}
      and (de.status = 'active' or de.voided_at > ${asOf})
      and (de.settlement_id is null or s.generated_at > ${asOf})
    order by ${LINE_ORDER}`.execute(k);
  const { rows: adv } = await sql<{ outstanding: string }>`
    select coalesce(sum(ca.amount - ca.amount_recovered + coalesce((
      select sum(si.amount) from settlement_items si join settlements s on s.id = si.settlement_id
      where si.cash_advance_id = ca.id and s.generated_at > ${asOf}), 0)), 0)::text as outstanding
    from cash_advances ca
    where ca.farmer_id = ${farmerId}::uuid and ca.status = 'approved' and ca.created_at <= ${asOf}`.execute(k);
  const { rows: adjustmentRows } = await sql<AdjustmentRow>`
    select a.adjustment_no::text as no, a.reason, a.amount::text as amount
      from adjustments a left join settlements s on s.id = a.settlement_id
     where a.farmer_id = ${farmerId}::uuid and a.created_at <= ${asOf} and (a.settlement_id is null or s.generated_at > ${asOf})
     order by a.adjustment_no`.execute(k);
  const gross = sum(lineRows.map((r) => r.amount));
  const commission = sum(lineRows.map((r) => r.commission));
  const fees = sum(lineRows.map((r) => r.fee));
  const available = dec(gross)
    .minus(commission)
    .minus(fees)
    .plus(sum(adjustmentRows.map((r) => r.amount)));
  const owed = dec(adv[0]?.outstanding ?? '0');
  const deducted = available.lte(0) ? new Big(0) : available.lt(owed) ? available : owed;
  const today = localDate(asOf, timeZone);
  return {
    language: farmer.language_preference,
    kind: 'provisional',
    market: await market(em),
    farmer: { code: farmer.farmer_code, name: farmer.name, village: farmer.village },
    settlementNumber: null,
    periodStart: lineRows[0]?.date ?? today,
    periodEnd: today,
    generatedAt: asOf.toISOString(),
    lines: toLines(lineRows),
    commissionRate: sharedRate(lineRows),
    grossAmount: gross,
    totalCommission: commission,
    totalFees: fees,
    totalAdvances: rupees(deducted),
    adjustments: toAdjustments(adjustmentRows),
    advancesOutstanding: rupees(owed.minus(deducted)),
    netPayable: rupees(available.minus(deducted)),
    status: 'provisional',
    paidAt: null,
    paymentReference: null,
  };
}

/**
 * The contract with the outbox: a 'statement' notification's payload → the document to send.
 * Pure with respect to the database (reads only), so it can run on any instance at send time.
 */
export async function renderStatementDocument(
  em: EntityManager,
  payload: StatementPayload,
  timeZone: string,
  // The composition root chooses: the service a StatementRenderPool (worker threads), tools the inline renderer.
  renderer: StatementRenderer,
): Promise<StatementDocument> {
  let rendered: { bytes: Buffer; data: StatementSummary };
  if ('settlementId' in payload && renderer.renderSettlement) {
    // The renderer reads the figures itself (its own connection): nothing crosses threads but the id and the PDF.
    const r = await renderer.renderSettlement(payload.settlementId);
    if (!r) throw new AppError('SETTLEMENT_NOT_FOUND', 'No such settlement', 404);
    rendered = r;
  } else {
    const data =
      'settlementId' in payload
        ? await settlementStatementData(em, payload.settlementId)
        : await provisionalStatementData(em, payload.farmerId, new Date(payload.asOf), timeZone);
    rendered = { bytes: await renderer.render(data), data };
  }
  return {
    bytes: rendered.bytes,
    filename: payload.filename ?? statementFilename(rendered.data),
    mimeType: 'application/pdf',
    data: rendered.data,
  };
}

/**
 * Queues the statement of each given settlement for its farmer, once: settlements that already have a
 * 'statement' notification, or whose farmer has no phone, are skipped. Set-based; call in the settling transaction.
 */
export async function enqueueStatementsFor(em: EntityManager, input: { settlementIds: string[] }): Promise<number> {
  const { rows } = await sql<{ id: string; farmer_id: string; number: string; lang: Language; recipient: string }>`
    select s.id, s.farmer_id, s.settlement_number as number, f.language_preference as lang, coalesce(f.whatsapp_number, f.phone) as recipient
    from settlements s join farmers f on f.id = s.farmer_id
    where s.id = any(${input.settlementIds}::uuid[]) and coalesce(f.whatsapp_number, f.phone) is not null
      and not exists (select 1 from notifications n where n.type = 'statement' and n.payload ->> 'settlementId' = s.id::text)`.execute(
    em.getKysely(),
  );
  if (!rows.length) return 0;
  await enqueueNotifications(
    em,
    rows.map((r) => ({
      recipientPhone: r.recipient,
      farmerId: r.farmer_id,
      type: 'statement',
      language: r.lang,
      payload: { settlementId: r.id, filename: `${r.number}.pdf`, language: r.lang } satisfies StatementPayload,
    })),
  );
  return rows.length;
}

/** Catch-up for the scheduled job: queues any statement of the period that was never queued. */
export async function enqueueStatementsForPeriod(em: EntityManager, period: { start: string; end: string }): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    select id from settlements where period_start = ${period.start} and period_end = ${period.end}`.execute(em.getKysely());
  return rows.length ? enqueueStatementsFor(em, { settlementIds: rows.map((r) => r.id) }) : 0;
}

/**
 * `stmt` / `அறிக்கை` and `stmt FAR001`: queues the farmer's latest settlement, or, when everything since it is
 * still unsettled, what is unsettled so far. Sent to `recipientPhone` (staff asking) or the farmer.
 */
export async function requestStatement(
  em: EntityManager,
  input: { farmerId: string; now: Date; timeZone: string; recipientPhone?: string; language?: Language; userId?: string | null },
) {
  const farmer = await farmerById(em, input.farmerId);
  const { rows } = await sql<{ id: string }>`
    select s.id from settlements s where s.farmer_id = ${input.farmerId}::uuid
    order by s.period_end desc, s.generated_at desc limit 1`.execute(em.getKysely());
  const { rows: open } = await sql<{ n: number }>`
    select count(*)::int as n from daily_entries where farmer_id = ${input.farmerId}::uuid and settlement_id is null and status = 'active'`.execute(
    em.getKysely(),
  );
  const latest = rows[0];
  const payloadBase: StatementPayload =
    latest && !(open[0]?.n ?? 0) ? { settlementId: latest.id } : { farmerId: input.farmerId, asOf: input.now.toISOString() };
  const data =
    'settlementId' in payloadBase
      ? await settlementStatementData(em, payloadBase.settlementId)
      : await provisionalStatementData(em, input.farmerId, input.now, input.timeZone);
  const language = input.language ?? farmer.language_preference;
  const recipient = input.recipientPhone ?? farmer.recipient;
  if (!recipient) throw new AppError('NO_PHONE', `Farmer ${farmer.farmer_code} has no phone number to send the statement to`, 422);
  const payload = { ...payloadBase, filename: statementFilename(data), language };
  const notification = enqueueNotification(em, {
    recipientPhone: recipient,
    type: 'statement',
    language,
    payload,
    farmerId: input.farmerId,
    userId: input.userId ?? null,
  });
  return { kind: data.kind, payload, notification };
}

/** The outbox calls this when a settlement's statement has gone out. */
export async function markStatementSent(em: EntityManager, settlementId: string, at: Date) {
  await sql`update settlements set sent_at = ${at} where id = ${settlementId}::uuid and sent_at is null`.execute(em.getKysely());
}
