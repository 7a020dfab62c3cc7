import { createRoute, z } from '@hono/zod-openapi';
import { listFailedNotifications, retryFailedNotification } from '../../domain/notifications/failures.js';
import { LANGUAGES } from '../../domain/columns.js';
import { explainMetaError } from '../../jobs/meta-errors.js';
import { requireRole } from '../auth/session.js';
import { emFor, officeActor } from '../request.js';
import { conflictResponse, errorResponses, json, newRouter, notFoundResponse, pageOf, PageQuery, type ApiResource } from './router.js';

const FailedSchema = z
  .object({
    id: z.string(),
    recipientPhone: z.string(),
    farmerCode: z.string().nullable(),
    type: z.string(),
    language: z.enum(LANGUAGES),
    attempts: z.number().int(),
    createdAt: z.string(),
    failedAt: z.string(),
    errorCode: z.string().nullable().openapi({ description: "Meta's error code", example: '131026' }),
    reason: z.string().openapi({ description: 'The code explained in words', example: 'Not a WhatsApp number, or it cannot receive messages' }),
    lastError: z.string().nullable(),
    text: z.string().nullable(),
  })
  .openapi('FailedNotification');

export const notificationsResource: ApiResource = {
  path: '/notifications',
  routes(deps) {
    const app = newRouter();
    app.use('*', requireRole('admin'));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['Notifications'],
        summary: 'Messages that could not be delivered, newest first, with the reason in words',
        request: {
          query: PageQuery.extend({
            status: z.literal('failed').openapi({ description: 'Only failed messages are listed here' }),
            from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Failed at or after (ISO instant)' }),
            to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Failed before (ISO instant)' }),
            lang: z.enum(LANGUAGES).optional().openapi({ description: "Language of the reasons; default the admin's own" }),
          }),
        },
        responses: { 200: json(pageOf(FailedSchema)), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const lang = q.lang ?? c.get('user')!.languagePreference;
        const page = await listFailedNotifications(emFor(deps), {
          page: q.page,
          pageSize: q.pageSize,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
        });
        const items = page.items.map((n) => ({
          ...n,
          createdAt: n.createdAt.toISOString(),
          failedAt: n.failedAt.toISOString(),
          reason: explainMetaError(n.errorCode, lang),
        }));
        return c.json({ items, page: q.page, pageSize: q.pageSize, total: page.total }, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/retry',
        tags: ['Notifications'],
        summary: 'Sends a failed message again (queued for the outbox now)',
        request: { params: z.object({ id: z.string().regex(/^\d{1,18}$/) }) },
        responses: {
          200: json(z.object({ id: z.string(), status: z.literal('pending'), previousError: z.string().nullable() })),
          ...errorResponses,
          ...notFoundResponse,
          ...conflictResponse,
        },
      }),
      async (c) => {
        const r = await retryFailedNotification(emFor(deps), c.req.valid('param').id, officeActor(c, deps));
        return c.json(r, 200);
      },
    );
    return app;
  },
};
