import { createRoute, z } from '@hono/zod-openapi';
import { rupees } from '../../domain/money.js';
import { paySettlement } from '../../chat/payments.js';
import { parsePeriod } from '../../domain/settlements/period.js';
import { getSettlement, listSettlements } from '../../domain/settlements/settlement.queries.js';
import { chosenPeriod, settlementFrequency, settlePeriod } from '../../domain/settlements/settlement.service.js';
import { SETTLEMENT_STATUSES } from '../../domain/settlements/settlement.entity.js';
import { inlineRenderer } from '../../pdf/render-pool.js';
import { renderStatementDocument } from '../../domain/settlements/statement.service.js';
import { requireRole } from '../auth/session.js';
import { actorOf, emFor, officeActor } from '../request.js';
import { reopenAndTell, unpayAndTell } from '../../chat/corrections.js';
import type { SettlementCorrection } from '../../domain/settlements/corrections.service.js';
import {
  conflictResponse,
  errorResponses,
  IdParam,
  IsoDate,
  json,
  jsonBody,
  Money,
  newRouter,
  notFoundResponse,
  pageOf,
  PageQuery,
  type ApiResource,
} from './router.js';

const FarmerRef = z.object({ id: z.uuid(), code: z.string(), name: z.string() });

export const SettlementSchema = z
  .object({
    id: z.uuid(),
    settlementNumber: z.string().openapi({ example: 'S-2026W47-FAR001' }),
    farmer: FarmerRef,
    periodStart: IsoDate,
    periodEnd: IsoDate,
    grossAmount: Money,
    totalCommission: Money,
    totalFees: Money,
    totalAdvances: Money.openapi({ description: 'Advances recovered by this settlement' }),
    totalAdjustments: Money.openapi({ description: 'Σ of its adjustment lines (credits +, debits −)' }),
    netPayable: Money,
    advancesOutstanding: Money.openapi({ description: 'Approved advances still owed after it' }),
    status: z.enum(SETTLEMENT_STATUSES).openapi({ description: 'reopened: kept for the history; its lines went back to unsettled' }),
    revision: z.number().int().openapi({ description: '2, 3 … when the period was settled again after a reopening' }),
    reopenedAt: z.string().nullable(),
    reopenReason: z.string().nullable(),
    paidAt: z.string().nullable(),
    paidBy: z.string().nullable(),
    paymentReference: z.string().nullable(),
    generatedAt: z.string(),
    sentAt: z.string().nullable().openapi({ description: 'When the PDF statement went out to the farmer' }),
  })
  .openapi('Settlement');

const ItemSchema = z
  .object({
    id: z.uuid(),
    itemType: z.enum(['entry', 'advance', 'fee', 'adjustment']),
    description: z.string(),
    entryId: z.string().nullable(),
    entryNo: z.string().nullable(),
    entryDate: IsoDate.nullable(),
    advanceId: z.string().nullable(),
    adjustmentId: z.string().nullable(),
    quantity: z.string().nullable().openapi({ example: '12.500' }),
    rate: Money.nullable(),
    amount: Money,
  })
  .openapi('SettlementItem');

const SettledRowSchema = z.object({
  farmerCode: z.string(),
  settlementId: z.string().nullable(),
  settlementNumber: z.string().nullable(),
  entries: z.number().int(),
  grossAmount: Money,
  totalCommission: Money,
  totalFees: Money,
  totalAdvances: Money,
  totalAdjustments: Money,
  netPayable: Money,
  advancesOutstanding: Money,
});

const RunSummary = z
  .object({
    period: z.object({ frequency: z.string(), start: IsoDate, end: IsoDate, label: z.string() }),
    dryRun: z.boolean(),
    settled: z.array(SettledRowSchema),
    refused: z.array(SettledRowSchema).openapi({ description: 'Fees exceed earnings: left unsettled for a person to look at' }),
    totals: z.object({
      farmers: z.number().int(),
      entries: z.number().int(),
      gross: Money,
      commission: Money,
      fees: Money,
      adjustments: Money.openapi({ description: 'Σ of the adjustment lines carried: credits +, debits −' }),
      advances: Money,
      net: Money,
    }),
  })
  .openapi('SettlementRun');

const RunRequest = z
  .object({
    period: z.string().max(20).optional().openapi({
      description:
        'An ISO week (2026-W47), a month (2026-11) or any date in the period (2026-11-18), read by settlement_frequency. Default: the last period that has ended',
      example: '2026-W47',
    }),
    farmerCodes: z.array(z.string().trim().min(1).max(20)).max(1000).optional(),
    dryRun: z.boolean().default(false).openapi({ description: 'Compute and report, then roll back' }),
    sendStatements: z.boolean().default(true).openapi({ description: 'Queue each farmer\u2019s PDF statement' }),
    allowOpenPeriod: z.boolean().default(false).openapi({ description: 'Settle a period that has not ended yet' }),
  })
  .strict();

const Payment = z.object({ reference: z.string().trim().min(1).max(100).openapi({ example: 'UPI-4471' }) }).strict();
const PaidSchema = z.object({
  settlementId: z.uuid(),
  settlementNumber: z.string(),
  farmerCode: z.string(),
  netPayable: Money,
  paidAt: z.string(),
  reference: z.string(),
  currentBalance: Money.openapi({ description: 'The farmer\u2019s balance after the payment' }),
});

const Reason = z.object({ reason: z.string().trim().min(1).max(500).openapi({ example: 'paid to the wrong farmer' }) }).strict();
const CorrectionSchema = z.object({
  settlementId: z.uuid(),
  settlementNumber: z.string(),
  farmerCode: z.string(),
  netPayable: Money,
  reason: z.string(),
  balanceAfter: Money.openapi({ description: 'The farmer\u2019s balance after it' }),
  entries: z.number().int().optional().openapi({ description: 'Reopen: entries back to unsettled' }),
  advancesReleased: Money.optional().openapi({ description: 'Reopen: advance recoveries given back' }),
  adjustments: z.number().int().optional().openapi({ description: 'Reopen: adjustments back to unsettled' }),
});
const correction = ({ language: _l, recipient: _r, farmerId: _f, ...fact }: SettlementCorrection) => fact;

const tags = ['Settlements'];

export const settlementsResource: ApiResource = {
  path: '/settlements',
  routes(deps) {
    const app = newRouter();
    app.use('*', requireRole('admin'));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Settlements, newest period first; from/to pick periods overlapping those dates',
        request: {
          query: PageQuery.extend({
            from: IsoDate.optional(),
            to: IsoDate.optional(),
            period: z.string().max(20).optional().openapi({ description: 'One period, as for a run (2026-W47, 2026-11, a date)' }),
            farmerId: z.uuid().optional(),
            status: z.enum(SETTLEMENT_STATUSES).optional(),
          }),
        },
        responses: { 200: json(pageOf(SettlementSchema)), ...errorResponses },
      }),
      async (c) => {
        const { period, ...q } = c.req.valid('query');
        const em = emFor(deps);
        const periodStart = period ? parsePeriod(await settlementFrequency(em), period).start : undefined;
        return c.json(await listSettlements(em, { ...q, periodStart }), 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags,
        summary: 'One settlement with its items (entries, fees, advances recovered)',
        request: { params: IdParam },
        responses: { 200: json(SettlementSchema.extend({ items: z.array(ItemSchema) })), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(await getSettlement(emFor(deps), c.req.valid('param').id), 200),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/run',
        tags,
        summary: 'Settle a period for every farmer with something to settle (the code `npm run settle` runs); dryRun reports without saving',
        request: { body: jsonBody(RunRequest) },
        responses: { 200: json(RunSummary), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const em = emFor(deps);
        const now = new Date();
        const period = await chosenPeriod(em, body.period, now, deps.config.marketTimeZone);
        const result = await settlePeriod(deps.db.orm, {
          period,
          timeZone: deps.config.marketTimeZone,
          farmerCodes: body.farmerCodes?.map((f) => f.toUpperCase()),
          dryRun: body.dryRun,
          sendStatements: body.sendStatements,
          allowOpenPeriod: body.allowOpenPeriod,
          now,
          actor: actorOf(c, deps),
        });
        // The batch SQL gives numerics as Postgres prints them ('0', '12.5'); money goes out with two decimals.
        const row = ({ farmerId: _f, refused: _r, ...r }: (typeof result.settled)[number]) => ({
          ...r,
          grossAmount: rupees(r.grossAmount),
          totalCommission: rupees(r.totalCommission),
          totalFees: rupees(r.totalFees),
          totalAdvances: rupees(r.totalAdvances),
          totalAdjustments: rupees(r.totalAdjustments),
          netPayable: rupees(r.netPayable),
          advancesOutstanding: rupees(r.advancesOutstanding),
        });
        return c.json({ ...result, settled: result.settled.map(row), refused: result.refused.map(row) }, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}/statement.pdf',
        tags,
        summary: 'The settlement\u2019s PDF statement (Tamil and English), as the farmer receives it',
        request: { params: IdParam },
        responses: {
          200: { description: 'PDF', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } },
          ...errorResponses,
          ...notFoundResponse,
        },
      }),
      async (c) => {
        const doc = await renderStatementDocument(
          emFor(deps),
          { settlementId: c.req.valid('param').id },
          deps.config.marketTimeZone,
          deps.statementRenderer ?? inlineRenderer,
        );
        // Settlement numbers are ASCII (S-2026W47-FAR001); anything else is replaced to keep the header valid.
        const filename = doc.filename.replace(/[^\w.-]/g, '_');
        return c.body(new Uint8Array(doc.bytes), 200, {
          'content-type': doc.mimeType,
          'content-disposition': `attachment; filename="${filename}"`,
          'content-length': String(doc.bytes.length),
          'cache-control': 'private, no-store',
        });
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/paid',
        tags,
        summary:
          'Mark a settlement paid with the payment reference: the farmer\u2019s balance moves once, the farmer is told; again → 409 ALREADY_PAID',
        request: { params: IdParam, body: jsonBody(Payment) },
        responses: { 200: json(PaidSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const paid = await paySettlement(emFor(deps), {
          settlementId: c.req.valid('param').id,
          reference: c.req.valid('json').reference,
          actor: actorOf(c, deps),
        });
        const { language: _language, recipient: _recipient, ...facts } = paid;
        return c.json(
          { ...facts, netPayable: rupees(paid.netPayable), currentBalance: rupees(paid.currentBalance), paidAt: paid.paidAt.toISOString() },
          200,
        );
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/unpay',
        tags,
        summary:
          'Undo a payment marked by mistake, with a reason: the settlement is finalized again, paid_at cleared, the farmer\u2019s figures move back and the farmer is told; not paid → 409 NOT_PAID',
        request: { params: IdParam, body: jsonBody(Reason) },
        responses: { 200: json(CorrectionSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const fact = await unpayAndTell(emFor(deps), {
          settlementId: c.req.valid('param').id,
          reason: c.req.valid('json').reason,
          actor: officeActor(c, deps),
        });
        return c.json(correction(fact), 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/reopen',
        tags,
        summary:
          'Reopen an unpaid settlement, with a reason: it is kept as \u2018reopened\u2019 and its entries, advance recoveries and adjustments return to unsettled; ' +
          'the next run of its period settles them under a new number (S-2026W47-FAR001-2). Paid → 409 SETTLEMENT_PAID (unpay first)',
        request: { params: IdParam, body: jsonBody(Reason) },
        responses: { 200: json(CorrectionSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const fact = await reopenAndTell(emFor(deps), {
          settlementId: c.req.valid('param').id,
          reason: c.req.valid('json').reason,
          actor: officeActor(c, deps),
          at: new Date(),
        });
        return c.json(correction(fact), 200);
      },
    );
    return app;
  },
};
