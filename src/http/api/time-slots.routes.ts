import { createRoute, z } from '@hono/zod-openapi';
import { createSlot, deleteSlot, getSlot, listSlots, updateSlot } from '../../domain/slots/slot.service.js';
import { allow } from '../auth/session.js';
import { addRowRoutes } from './row-routes.js';
import { emFor } from '../request.js';
import { errorResponses, json, newRouter, QueryBool, type ApiResource } from './router.js';

const Time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be HH:MM')
  .openapi({ example: '04:00' });

export const SlotSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    nameTa: z.string(),
    startTime: z.string().openapi({ example: '04:00' }),
    endTime: z.string().openapi({ example: '06:00' }),
    sortOrder: z.number().int(),
    aliases: z.array(z.string()),
    isActive: z.boolean(),
  })
  .openapi('TimeSlot');

const Fields = z.object({
  name: z.string().trim().min(1).max(100),
  nameTa: z.string().trim().min(1).max(100),
  startTime: Time,
  endTime: Time.openapi({ description: 'Exclusive: [start, end)' }),
  sortOrder: z.number().int().min(0).max(1000),
  aliases: z.array(z.string().max(50)).max(50),
});
const NewSlot = Fields.partial().required({ name: true, nameTa: true, startTime: true, endTime: true }).strict();
const SlotChanges = Fields.extend({ isActive: z.boolean() }).partial().strict();

const tags = ['Time slots'];
const overlap = { 409: { description: 'Overlaps an active slot (SLOT_OVERLAP, naming it)' } };

export const timeSlotsResource: ApiResource = {
  path: '/time-slots',
  routes(deps) {
    const app = newRouter();
    app.use('*', allow({ read: ['admin', 'staff'], write: ['admin'] }));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        request: { query: z.object({ active: QueryBool.optional() }) },
        responses: { 200: json(z.object({ items: z.array(SlotSchema) })), ...errorResponses },
      }),
      async (c) => c.json({ items: await listSlots(emFor(deps), c.req.valid('query')) }, 200),
    );
    addRowRoutes(app, deps, {
      tags,
      schema: SlotSchema,
      conflicts: overlap,
      get: getSlot,
      create: { body: NewSlot, run: createSlot },
      update: { body: SlotChanges, summary: 'Change a slot; isActive=false deactivates (re-activating checks overlaps again)', run: updateSlot },
      remove: { summary: 'Delete an unused slot (SLOT_IN_USE when it has rates or entries)', run: deleteSlot },
    });
    return app;
  },
};
