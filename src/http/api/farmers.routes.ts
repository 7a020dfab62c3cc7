import { createRoute, z } from '@hono/zod-openapi';
import { LANGUAGES } from '../../domain/columns.js';
import { createFarmer, deleteFarmer, getFarmer, searchFarmers, updateFarmer } from '../../domain/farmers/farmer.service.js';
import { allow } from '../auth/session.js';
import { addRowRoutes } from './row-routes.js';
import { emFor } from '../request.js';
import {
  errorResponses,
  IdParam,
  json,
  jsonBody,
  Money,
  newRouter,
  notFoundResponse,
  pageOf,
  PageQuery,
  Percent,
  QueryBool,
  type ApiResource,
} from './router.js';
import { listAdjustments } from '../../domain/adjustments/adjustments.service.js';
import { adjustAndTell } from '../../chat/corrections.js';
import { officeActor } from '../request.js';

const AdjustmentSchema = z
  .object({
    id: z.uuid(),
    adjustmentNo: z.string().openapi({ description: 'Shown as J3 in replies and statements' }),
    farmer: z.object({ id: z.uuid(), code: z.string() }),
    amount: Money.openapi({ description: 'Credit (+) or debit (−)', example: '-200.00' }),
    reason: z.string(),
    createdBy: z.string().nullable(),
    settlement: z
      .object({ id: z.uuid(), number: z.string() })
      .nullable()
      .openapi({ description: 'The settlement that carries it; null until settled' }),
    createdAt: z.string(),
  })
  .openapi('Adjustment');
const NewAdjustment = z
  .object({
    amount: z
      .string()
      .regex(/^[+-]\d{1,8}(\.\d{1,2})?$/)
      .openapi({ example: '-200', description: 'Signed rupees: + credits the farmer, − debits' }),
    reason: z.string().trim().min(1).max(500).openapi({ example: 'crate damage' }),
  })
  .strict();

export const FarmerSchema = z
  .object({
    id: z.uuid(),
    farmerCode: z.string().openapi({ example: 'FAR004' }),
    name: z.string(),
    village: z.string().nullable(),
    phone: z.string().nullable(),
    whatsappNumber: z.string().nullable(),
    address: z.string().nullable(),
    languagePreference: z.enum(LANGUAGES),
    commissionRate: Money.nullable().openapi({ description: 'Percent; null = the market default' }),
    isActive: z.boolean(),
    currentBalance: Money,
    totalSettlements: Money,
    totalAdvances: Money,
    createdAt: z.string(),
  })
  .openapi('Farmer');

const Fields = z.object({
  name: z.string().trim().min(1).max(255),
  village: z.string().max(255).nullable(),
  phone: z.string().max(20).nullable(),
  whatsappNumber: z.string().max(20).nullable().openapi({ description: 'Defaults to the phone' }),
  address: z.string().max(2000).nullable(),
  languagePreference: z.enum(LANGUAGES),
  commissionRate: Percent.nullable().openapi({ description: 'Percent; null = the market default' }),
});
const NewFarmer = Fields.partial().required({ name: true }).strict();
const FarmerChanges = Fields.extend({ isActive: z.boolean() }).partial().strict();

const tags = ['Farmers'];

export const farmersResource: ApiResource = {
  path: '/farmers',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin'] }));

    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Farmers, searched by code, name, village or phone',
        request: { query: PageQuery.extend({ q: z.string().max(100).optional(), active: QueryBool.optional() }) },
        responses: { 200: json(pageOf(FarmerSchema)), ...errorResponses },
      }),
      async (c) => c.json(await searchFarmers(emFor(deps), c.req.valid('query')), 200),
    );
    addRowRoutes(app, deps, {
      tags,
      schema: FarmerSchema,
      get: getFarmer,
      create: { body: NewFarmer, summary: 'Add a farmer; the next code (FAR004, …) is given', run: createFarmer },
      update: { body: FarmerChanges, summary: 'Change details or commission; isActive=false deactivates', run: updateFarmer },
      remove: {
        summary: 'Delete a farmer added by mistake; one with any history is refused (FARMER_HAS_HISTORY): deactivate instead',
        run: deleteFarmer,
      },
    });
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}/adjustments',
        tags,
        summary: 'A farmer\u2019s adjustments, newest first',
        request: { params: IdParam, query: PageQuery },
        responses: { 200: json(pageOf(AdjustmentSchema)), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(await listAdjustments(emFor(deps), c.req.valid('param').id, c.req.valid('query')), 200),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/adjustments',
        tags,
        summary:
          'Credit (+) or debit (−) a farmer with a reason (admin): the balance moves at once, the next settlement carries it as its own line, the farmer is told. ' +
          'Never edited: a wrong adjustment is corrected by another one',
        request: { params: IdParam, body: jsonBody(NewAdjustment) },
        responses: { 201: json(AdjustmentSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => {
        const em = emFor(deps);
        const body = c.req.valid('json');
        const [fact] = await adjustAndTell(em, officeActor(c, deps), [
          { farmerId: c.req.valid('param').id, amount: body.amount, reason: body.reason },
        ]);
        const page = await listAdjustments(em, fact!.farmerId, { page: 1, pageSize: 1 });
        return c.json(page.items[0]!, 201);
      },
    );
    return app;
  },
};
