import { createRoute, z } from '@hono/zod-openapi';
import { LANGUAGES } from '../../domain/columns.js';
import { createFarmer, deleteFarmer, getFarmer, searchFarmers, updateFarmer } from '../../domain/farmers/farmer.service.js';
import { allow } from '../auth/session.js';
import { addRowRoutes } from './row-routes.js';
import { emFor } from '../request.js';
import { errorResponses, json, Money, newRouter, pageOf, PageQuery, Percent, QueryBool, type ApiResource } from './router.js';

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
    return app;
  },
};
