import { createRoute, z } from '@hono/zod-openapi';
import { exportEntries, listEntries, type EntryRow } from '../../domain/entries/entry.queries.js';
import { localTime } from '../../domain/market-time.js';
import { allow } from '../auth/session.js';
import { emFor } from '../request.js';
import { toCsv } from './csv.js';
import { errorResponses, IsoDate, json, Money, newRouter, pageOf, PageQuery, type ApiResource } from './router.js';

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

const tags = ['Entries'];

export const entriesResource: ApiResource = {
  path: '/entries',
  routes(deps) {
    const app = newRouter();
    // Staff also create entries, through the chat ledger's service (its routes join here).
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
    return app;
  },
};
