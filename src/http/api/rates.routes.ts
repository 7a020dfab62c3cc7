import { createRoute, z } from '@hono/zod-openapi';
import { localDate } from '../../domain/market-time.js';
import { rateGrid, rateHistory, setRates } from '../../domain/rates/rate.service.js';
import { allow } from '../auth/session.js';
import { actorOf, emFor } from '../request.js';
import {
  errorResponses,
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

const GridSchema = z
  .object({
    date: IsoDate,
    slots: z.array(z.object({ id: z.uuid(), name: z.string(), nameTa: z.string(), startTime: z.string(), endTime: z.string() })),
    rows: z.array(
      z.object({
        flower: z.object({ id: z.uuid(), code: z.string(), name: z.string(), nameTa: z.string(), unit: z.string() }),
        cells: z.array(z.object({ timeSlotId: z.uuid(), rate: Money.nullable(), effectiveDate: IsoDate.nullable() })),
      }),
    ),
  })
  .openapi('RateGrid');

const SetRatesBody = z
  .object({
    rates: z
      .array(
        z.object({
          flower: z.string().min(1).max(100).openapi({ description: 'Flower id, code (FLW002), English or Tamil name', example: 'Jasmine' }),
          slot: z.string().min(1).max(100).openapi({ description: 'Slot id, English or Tamil name', example: 'Early Morning' }),
          rate: MoneyInput.openapi({ description: 'Rupees per kg or piece', example: '450.00' }),
        }),
      )
      .min(1)
      .max(500),
  })
  .openapi('SetRates');

const HistoryRow = z.object({
  id: z.uuid(),
  timeSlotId: z.uuid(),
  slot: z.string(),
  slotTa: z.string(),
  rate: Money,
  effectiveDate: IsoDate,
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});

const tags = ['Rates'];

export const ratesResource: ApiResource = {
  path: '/rates',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin'] }));
    const today = () => localDate(new Date(), deps.config.marketTimeZone);

    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: "The grid of rates in force (flower × slot) on a date; default today in the market's time zone",
        request: { query: z.object({ date: IsoDate.optional() }) },
        responses: { 200: json(GridSchema), ...errorResponses },
      }),
      async (c) => c.json(await rateGrid(emFor(deps), c.req.valid('query').date ?? today()), 200),
    );
    app.openapi(
      createRoute({
        method: 'put',
        path: '/{date}',
        tags,
        summary: "Set rates effective from a date (today or later); unchanged cells are left alone. Returns that date's grid",
        request: { params: z.object({ date: IsoDate.openapi({ param: { name: 'date', in: 'path' } }) }), body: jsonBody(SetRatesBody) },
        responses: { 200: json(GridSchema.extend({ changed: z.number().int() })), ...errorResponses },
      }),
      async (c) => {
        const { date } = c.req.valid('param');
        const em = emFor(deps);
        const { changed } = await setRates(em, { date, today: today(), rates: c.req.valid('json').rates }, actorOf(c, deps));
        return c.json({ ...(await rateGrid(em.fork(), date)), changed }, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/history/{flowerTypeId}',
        tags,
        summary: "A flower's rates over time, newest first",
        request: {
          params: z.object({ flowerTypeId: z.uuid().openapi({ param: { name: 'flowerTypeId', in: 'path' } }) }),
          query: PageQuery.extend({ from: IsoDate.optional(), to: IsoDate.optional(), slotId: z.uuid().optional() }),
        },
        responses: {
          200: json(pageOf(HistoryRow).extend({ flower: z.object({ id: z.uuid(), code: z.string(), name: z.string(), nameTa: z.string() }) })),
          ...errorResponses,
          ...notFoundResponse,
        },
      }),
      async (c) => c.json(await rateHistory(emFor(deps), c.req.valid('param').flowerTypeId, c.req.valid('query')), 200),
    );
    return app;
  },
};
