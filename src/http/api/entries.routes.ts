import { createRoute, z } from '@hono/zod-openapi';
import { exportEntries, getEntryRow, listEntries, type EntryRow } from '../../domain/entries/entry.queries.js';
import { addOfficeEntry, withPhone } from '../../domain/entries/entries.service.js';
import { fixEntry } from '../../domain/entries/fix-entry.js';
import { voidOfficeEntryAndTell } from '../../chat/office-entries.js';
import { queueReceipt, receiptFarmer } from '../../chat/receipts.js';
import { localTime } from '../../domain/market-time.js';
import { allow } from '../auth/session.js';
import { emFor, officeActor } from '../request.js';
import { toCsv } from './csv.js';
import {
  conflictResponse,
  errorResponses,
  IdParam,
  IsoDate,
  json,
  jsonBody,
  Money,
  MoneyInput,
  newRouter,
  notFoundResponse,
  pageOf,
  PageQuery,
  type ApiResource,
} from './router.js';

const EntrySchema = z
  .object({
    id: z.uuid(),
    entryNo: z.string(),
    entryDate: IsoDate,
    entryTime: z.string(),
    farmer: z.object({ id: z.uuid(), code: z.string(), name: z.string() }),
    flower: z.object({ id: z.uuid(), code: z.string(), name: z.string(), nameTa: z.string() }),
    slot: z.object({ id: z.uuid(), name: z.string(), nameTa: z.string() }).nullable(),
    quantity: z.string().openapi({ example: '12.500' }),
    unit: z.string(),
    ratePerUnit: Money,
    totalAmount: Money,
    commissionRate: Money,
    commissionAmount: Money,
    feeAmount: Money,
    netAmount: Money,
    status: z.string(),
    source: z.string(),
    recordedBy: z.string().nullable(),
    voidedAt: z.string().nullable(),
    voidReason: z.string().nullable(),
    settlementId: z.string().nullable(),
    correctsEntryId: z.string().nullable().openapi({ description: 'A fix\u2019s replacement: the (voided) entry it corrects' }),
  })
  .openapi('Entry');

const Filter = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  farmerId: z.uuid().optional(),
  flowerTypeId: z.uuid().optional(),
  timeSlotId: z.uuid().optional(),
  status: z.enum(['active', 'voided']).optional(),
});

const Totals = z.object({ activeCount: z.number().int(), totalAmount: Money, commissionAmount: Money, feeAmount: Money, netAmount: Money });

const CSV_COLUMNS = [
  { header: 'entry_no' },
  { header: 'entry_date' },
  { header: 'entry_time' },
  { header: 'farmer_code', text: true },
  { header: 'farmer_name', text: true },
  { header: 'flower_code', text: true },
  { header: 'flower', text: true },
  { header: 'slot', text: true },
  { header: 'quantity' },
  { header: 'unit' },
  { header: 'rate_per_unit' },
  { header: 'total_amount' },
  { header: 'commission_rate' },
  { header: 'commission_amount' },
  { header: 'fee_amount' },
  { header: 'net_amount' },
  { header: 'status' },
  { header: 'recorded_by', text: true },
  { header: 'void_reason', text: true },
];

export function entriesCsv(rows: EntryRow[], timeZone: string): string {
  return toCsv(
    CSV_COLUMNS,
    rows.map((e) => [
      e.entryNo,
      e.entryDate,
      localTime(new Date(e.entryTime), timeZone),
      e.farmer.code,
      e.farmer.name,
      e.flower.code,
      e.flower.name,
      e.slot?.name ?? null,
      e.quantity,
      e.unit,
      e.ratePerUnit,
      e.totalAmount,
      e.commissionRate,
      e.commissionAmount,
      e.feeAmount,
      e.netAmount,
      e.status,
      e.recordedBy,
      e.voidReason,
    ]),
  );
}

const Quantity = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d{1,7}(\.\d{1,3})?$/, 'must be a quantity with at most 3 decimals'));
const Confirm = z
  .boolean()
  .optional()
  .openapi({ description: 'Record it even when it looks unusual (otherwise 422 CONFIRMATION_REQUIRED with the limit in details)' });
const FixRequest = z
  .object({
    quantity: Quantity.optional().openapi({ type: 'string', example: '9.5', description: 'The right quantity (or give rate)' }),
    rate: MoneyInput.optional().openapi({ description: 'The right rate (or give quantity)' }),
    reason: z.string().trim().max(500).optional(),
    confirm: Confirm,
  })
  .strict();
const FixResult = z.object({ voided: EntrySchema, replacement: EntrySchema }).openapi('EntryFix');

const NewEntry = z
  .object({
    farmerId: z.uuid(),
    flowerTypeId: z.uuid(),
    quantity: z
      .union([z.string(), z.number()])
      .transform((v) => String(v).trim())
      .pipe(z.string().regex(/^\d{1,7}(\.\d{1,3})?$/, 'must be a quantity with at most 3 decimals'))
      .openapi({ type: 'string', example: '12.5', description: 'kg or pieces, as the flower is counted' }),
    timeSlotId: z.uuid().optional().openapi({ description: 'Default: the slot of the entry\u2019s time (now)' }),
    rate: MoneyInput.optional().openapi({ description: 'Rupees per unit; default: the rate in force for the flower, slot and day' }),
    confirm: Confirm,
  })
  .strict();
const VoidRequest = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

const tags = ['Entries'];

export const entriesResource: ApiResource = {
  path: '/entries',
  routes(deps) {
    const app = newRouter();
    // Staff also create entries and void their own, through the chat ledger's entry service.
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin', 'staff'] }));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Entries, newest first, with totals of the active ones that match',
        request: { query: PageQuery.extend(Filter.shape) },
        responses: { 200: json(pageOf(EntrySchema).extend({ totals: Totals })), ...errorResponses },
      }),
      async (c) => c.json(await listEntries(emFor(deps), c.req.valid('query')), 200),
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/export.csv',
        tags,
        summary: 'The matching entries as CSV (UTF-8, CRLF), oldest first; times in market time',
        request: { query: Filter },
        responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses },
      }),
      async (c) => {
        const filter = c.req.valid('query');
        const csv = entriesCsv(await exportEntries(emFor(deps), filter), deps.config.marketTimeZone);
        const name = `entries_${filter.from ?? 'start'}_${filter.to ?? 'now'}.csv`;
        return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` });
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary:
          'Record a weighed lot (admin or staff) at the rate in force or a given rate, in the slot of now or a named one; ' +
          'the farmer gets a receipt when farmer_receipts is on',
        request: { body: jsonBody(NewEntry) },
        responses: { 201: json(EntrySchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const em = emFor(deps);
        const id = await em.transactional(async (tx) => {
          const { confirm, ...fields } = body;
          const done = await addOfficeEntry(
            tx,
            { ...fields, confirmed: confirm ?? false, at: new Date(), timeZone: deps.config.marketTimeZone },
            officeActor(c, deps),
          );
          await queueReceipt(tx, receiptFarmer(done.farmer), { kind: 'entry', entry: done.entry, flower: done.flower }, done.balanceAfter);
          return done.entry.id;
        });
        return c.json(await getEntryRow(em, id), 201);
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/void',
        tags,
        summary:
          'Void an entry with a reason: admins any unsettled entry, staff their own within edit_window_minutes; ' +
          'a settled entry → 409 ENTRY_SETTLED',
        request: { params: IdParam, body: jsonBody(VoidRequest) },
        responses: { 200: json(EntrySchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const em = emFor(deps);
        const entryId = c.req.valid('param').id;
        await voidOfficeEntryAndTell(em, { entryId, reason: c.req.valid('json').reason, at: new Date() }, officeActor(c, deps));
        return c.json(await getEntryRow(em, entryId), 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/fix',
        tags,
        summary:
          'Fix an entry in one step: void it and record its replacement (the right quantity or rate; corrects_entry_id → the original) ' +
          'in one transaction. Who may: as for a void; a settled entry → 409 FIX_SETTLED (correct it with an adjustment). ' +
          'An unusual replacement → 422 CONFIRMATION_REQUIRED unless confirm: true. The farmer gets a receipt old → new',
        request: { params: IdParam, body: jsonBody(FixRequest) },
        responses: { 201: json(FixResult), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const em = emFor(deps);
        const body = c.req.valid('json');
        const entryId = c.req.valid('param').id;
        const replacementId = await em.transactional(async (tx) => {
          const done = await fixEntry(tx, await withPhone(tx, officeActor(c, deps)), {
            entryId,
            quantity: body.quantity ?? null,
            rate: body.rate ?? null,
            reason: body.reason ?? null,
            at: new Date(),
            timeZone: deps.config.marketTimeZone,
            source: 'web',
            sourceMessageId: null,
            sourceLine: 0,
            confirmed: body.confirm ?? false,
          });
          await queueReceipt(
            tx,
            receiptFarmer(done.farmer),
            { kind: 'fix', old: done.old, entry: done.replacement, flower: done.flower },
            done.balanceAfter,
          );
          return done.replacement.id;
        });
        return c.json({ voided: await getEntryRow(em, entryId), replacement: await getEntryRow(em, replacementId) }, 201);
      },
    );
    return app;
  },
};
