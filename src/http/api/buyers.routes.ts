// /api/buyers (the buyers and each one's ledger), /api/sale-rates (the admin's selling rate per flower per day) and
// /api/reports (receivables ageing, the day's collection register).
import { createRoute, z } from '@hono/zod-openapi';
import { LANGUAGES } from '../../domain/columns.js';
import { buyerLedger, collectionRegister, openSales, receivables } from '../../domain/buyers/buyer.queries.js';
import { buyerView, createBuyer, getBuyer, listBuyers, saleRatesOn, setSaleRate, updateBuyer } from '../../domain/buyers/buyer.service.js';
import { localDate } from '../../domain/market-time.js';
import { sum as sumOf } from '../../domain/money.js';
import { allow } from '../auth/session.js';
import { actorOf, emFor, officeActor } from '../request.js';
import { toCsv } from './csv.js';
import {
  conflictResponse,
  errorResponses,
  IsoDate,
  json,
  jsonBody,
  Money,
  MoneyInput,
  newRouter,
  notFoundResponse,
  QueryBool,
  type ApiResource,
} from './router.js';

export const BuyerSchema = z
  .object({
    id: z.uuid(),
    buyerCode: z.string().openapi({ example: 'B004' }),
    name: z.string(),
    phone: z.string().nullable(),
    village: z.string().nullable(),
    languagePreference: z.enum(LANGUAGES),
    creditLimit: Money.nullable().openapi({ description: 'null: no limit' }),
    isActive: z.boolean(),
    currentBalance: Money.openapi({ description: 'What the buyer owes; negative: a credit' }),
    createdAt: z.string(),
  })
  .openapi('Buyer');

const Fields = z.object({
  buyerCode: z.string().max(20).openapi({ description: 'B001; the next code is given when left out' }),
  name: z.string().trim().min(1).max(255),
  phone: z.string().max(20).nullable().openapi({ description: 'WhatsApp number the bot recognises' }),
  village: z.string().max(255).nullable().openapi({ description: 'Village, town or shop' }),
  languagePreference: z.enum(LANGUAGES),
  creditLimit: MoneyInput.nullable().openapi({ description: 'null: no limit' }),
});
const NewBuyer = Fields.partial().required({ name: true }).strict();
const BuyerChanges = Fields.omit({ buyerCode: true }).extend({ isActive: z.boolean() }).partial().strict();
const BuyerParam = z.object({
  id: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Id or code (B001)' }),
});

const LedgerSchema = z.object({
  buyer: BuyerSchema,
  lines: z.array(
    z.object({
      kind: z.enum(['sale', 'collection']),
      ref: z.string(),
      date: IsoDate,
      at: z.string(),
      description: z.string(),
      debit: Money,
      credit: Money,
      balance: Money,
    }),
  ),
  openSales: z.array(z.object({ saleNo: z.string(), date: IsoDate, totalAmount: Money, paid: Money, due: Money })),
});

const tags = ['Buyers'];

export const buyersResource: ApiResource = {
  path: '/buyers',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin'] }));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Buyers, by code',
        request: { query: z.object({ active: QueryBool.optional() }) },
        responses: { 200: json(z.object({ items: z.array(BuyerSchema) })), ...errorResponses },
      }),
      async (c) => c.json({ items: await listBuyers(emFor(deps), c.req.valid('query')) }, 200),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary: 'Add a buyer',
        request: { body: jsonBody(NewBuyer) },
        responses: { 201: json(BuyerSchema), ...errorResponses, ...conflictResponse },
      }),
      async (c) => {
        const em = emFor(deps);
        return c.json(await em.transactional((tx) => createBuyer(tx, actorOf(c, deps), c.req.valid('json'))), 201);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags,
        request: { params: BuyerParam },
        responses: { 200: json(BuyerSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(buyerView(await getBuyer(emFor(deps), c.req.valid('param').id)), 200),
    );
    app.openapi(
      createRoute({
        method: 'patch',
        path: '/{id}',
        tags,
        summary: 'Change details or the credit limit; isActive=false deactivates',
        request: { params: BuyerParam, body: jsonBody(BuyerChanges) },
        responses: { 200: json(BuyerSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const em = emFor(deps);
        return c.json(await em.transactional((tx) => updateBuyer(tx, actorOf(c, deps), c.req.valid('param').id, c.req.valid('json'))), 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}/ledger',
        tags,
        summary: "The buyer's sales and collections with the running balance, and what is still due per sale",
        request: { params: BuyerParam },
        responses: { 200: json(LedgerSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => {
        const em = emFor(deps);
        const buyer = await getBuyer(em, c.req.valid('param').id);
        const open = await openSales(em, buyer.id);
        return c.json(
          {
            buyer: buyerView(buyer),
            lines: await buyerLedger(em, buyer.id),
            openSales: open.map((s) => ({ saleNo: s.saleNo, date: s.date, totalAmount: s.totalAmount, paid: s.paid, due: s.due })),
          },
          200,
        );
      },
    );
    return app;
  },
};

const SaleRateSchema = z.object({ flowerTypeId: z.uuid(), flower: z.string(), date: IsoDate, rate: Money });

export const saleRatesResource: ApiResource = {
  path: '/sale-rates',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin'] }));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: "The day's sale rates (default: today)",
        request: { query: z.object({ date: IsoDate.optional() }) },
        responses: { 200: json(z.object({ date: IsoDate, rates: z.array(SaleRateSchema) })), ...errorResponses },
      }),
      async (c) => {
        const date = c.req.valid('query').date ?? localDate(new Date(), deps.config.marketTimeZone);
        return c.json({ date, rates: await saleRatesOn(emFor(deps), date) }, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'put',
        path: '/',
        tags,
        summary: 'Set the sale rate of flowers for a day (a sale without @rate uses it)',
        request: {
          body: jsonBody(
            z
              .object({
                date: IsoDate.optional().openapi({ description: 'Default: today' }),
                rates: z
                  .array(z.object({ flower: z.string().min(1).max(100).openapi({ example: 'FLW002' }), rate: MoneyInput }))
                  .min(1)
                  .max(200),
              })
              .strict(),
          ),
        },
        responses: { 200: json(z.object({ date: IsoDate, rates: z.array(SaleRateSchema) })), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const date = body.date ?? localDate(new Date(), deps.config.marketTimeZone);
        const actor = officeActor(c, deps);
        const rates = await emFor(deps).transactional(async (tx) => {
          const out = [];
          for (const r of body.rates) out.push(await setSaleRate(tx, actor, { flower: r.flower, date, rate: r.rate }));
          return out;
        });
        return c.json({ date, rates }, 200);
      },
    );
    return app;
  },
};

const ReceivableSchema = z.object({
  buyerId: z.uuid(),
  buyerCode: z.string(),
  name: z.string(),
  d0_7: Money,
  d8_15: Money,
  d16_30: Money,
  d30plus: Money,
  outstanding: Money,
  credit: Money,
  balance: Money,
  oldestDueDate: IsoDate.nullable(),
});

export const reportsResource: ApiResource = {
  path: '/reports',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin'], write: ['admin'] }));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/receivables',
        tags: ['Reports'],
        summary: "Each buyer's unpaid sales by age on asOf (default today): 0–7, 8–15, 16–30, 30+ days; format=csv for a spreadsheet",
        request: { query: z.object({ asOf: IsoDate.optional(), format: z.enum(['json', 'csv']).optional() }) },
        responses: {
          200: {
            description: 'The ageing',
            content: {
              'application/json': {
                schema: z.object({
                  asOf: IsoDate,
                  buyers: z.array(ReceivableSchema),
                  totals: ReceivableSchema.pick({ d0_7: true, d8_15: true, d16_30: true, d30plus: true, outstanding: true }),
                }),
              },
              'text/csv': { schema: z.string() },
            },
          },
          ...errorResponses,
        },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const asOf = q.asOf ?? localDate(new Date(), deps.config.marketTimeZone);
        const rows = await receivables(emFor(deps), asOf);
        if (q.format === 'csv') {
          const cols = ['buyerCode', 'name', 'd0_7', 'd8_15', 'd16_30', 'd30plus', 'outstanding', 'credit', 'balance', 'oldestDueDate'] as const;
          const csv = toCsv(
            cols.map((h) => ({ header: h, text: h === 'name' || h === 'buyerCode' })),
            rows.map((r) => cols.map((k) => r[k])),
          );
          return c.body(csv, 200, {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="receivables_${asOf}.csv"`,
          });
        }
        const total = (k: 'd0_7' | 'd8_15' | 'd16_30' | 'd30plus' | 'outstanding') => sumOf(rows.map((r) => r[k]));
        return c.json(
          {
            asOf,
            buyers: rows,
            totals: {
              d0_7: total('d0_7'),
              d8_15: total('d8_15'),
              d16_30: total('d16_30'),
              d30plus: total('d30plus'),
              outstanding: total('outstanding'),
            },
          },
          200,
        );
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/collections',
        tags: ['Reports'],
        summary: "The day's collection register (default today), with totals by mode",
        request: { query: z.object({ date: IsoDate.optional() }) },
        responses: {
          200: json(
            z.object({
              date: IsoDate,
              collections: z.array(
                z.object({
                  collectionNo: z.string(),
                  at: z.string(),
                  buyerCode: z.string(),
                  buyerName: z.string(),
                  amount: Money,
                  mode: z.enum(['cash', 'upi', 'bank']),
                  reference: z.string().nullable(),
                  recordedBy: z.string().nullable(),
                }),
              ),
              totals: z.object({ cash: Money, upi: Money, bank: Money, all: Money }),
            }),
          ),
          ...errorResponses,
        },
      }),
      async (c) => c.json(await collectionRegister(emFor(deps), c.req.valid('query').date ?? localDate(new Date(), deps.config.marketTimeZone)), 200),
    );
    return app;
  },
};
