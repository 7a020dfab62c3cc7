import { createRoute, z } from '@hono/zod-openapi';
import { FLOWER_UNITS } from '../../domain/flowers/flower-type.entity.js';
import { createFlower, deleteFlower, getFlower, listFlowers, updateFlower } from '../../domain/flowers/flower.service.js';
import { allow } from '../auth/session.js';
import { addRowRoutes } from './row-routes.js';
import { emFor } from '../request.js';
import { errorResponses, json, newRouter, QueryBool, type ApiResource } from './router.js';

export const FlowerSchema = z
  .object({
    id: z.uuid(),
    code: z.string().openapi({ example: 'FLW002' }),
    name: z.string().openapi({ example: 'Jasmine' }),
    nameTa: z.string().openapi({ example: 'மல்லிகை' }),
    description: z.string().nullable(),
    unit: z.enum(FLOWER_UNITS),
    aliases: z.array(z.string()),
    isActive: z.boolean(),
  })
  .openapi('FlowerType');

const Fields = z.object({
  name: z.string().trim().min(1).max(100),
  nameTa: z.string().trim().min(1).max(100),
  description: z.string().max(2000).nullable(),
  unit: z.enum(FLOWER_UNITS),
  aliases: z.array(z.string().max(50)).max(50),
});
const NewFlower = Fields.partial()
  .required({ name: true, nameTa: true })
  .extend({
    code: z
      .string()
      .regex(/^[A-Za-z0-9_-]{2,20}$/)
      .optional()
      .openapi({ description: 'Defaults to the next FLW number' }),
  })
  .strict();
const FlowerChanges = Fields.extend({ isActive: z.boolean() }).partial().strict();

const tags = ['Flower types'];

export const flowerTypesResource: ApiResource = {
  path: '/flower-types',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin'] }));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        request: { query: z.object({ active: QueryBool.optional() }) },
        responses: { 200: json(z.object({ items: z.array(FlowerSchema) })), ...errorResponses },
      }),
      async (c) => c.json({ items: await listFlowers(emFor(deps), c.req.valid('query')) }, 200),
    );
    addRowRoutes(app, deps, {
      tags,
      schema: FlowerSchema,
      get: getFlower,
      create: { body: NewFlower, run: createFlower },
      update: { body: FlowerChanges, summary: 'Change names, unit, aliases; isActive=false deactivates', run: updateFlower },
      remove: { summary: 'Delete an unused flower type (FLOWER_IN_USE when it has rates or entries)', run: deleteFlower },
    });
    return app;
  },
};
