import { createRoute, z } from '@hono/zod-openapi';
import { listSecurityLogs } from '../../domain/audit/security-log.queries.js';
import { requireRole } from '../auth/session.js';
import { emFor } from '../request.js';
import { errorResponses, json, newRouter, pageOf, PageQuery, type ApiResource } from './router.js';

const LogSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    action: z.string(),
    entity: z.string().nullable(),
    entityId: z.string().nullable(),
    actor: z.object({ userId: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() }),
    ipAddress: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.unknown(),
  })
  .openapi('SecurityLog');

export const securityLogsResource: ApiResource = {
  path: '/security-logs',
  routes(deps) {
    const app = newRouter();
    app.use('*', requireRole('admin'));
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['Security logs'],
        summary: 'The audit trail, newest first',
        request: {
          query: PageQuery.extend({
            action: z.string().max(100).optional(),
            entity: z.string().max(100).optional(),
            entityId: z.string().max(100).optional(),
            actorUserId: z.uuid().optional(),
            ipAddress: z.string().max(64).optional(),
            from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'ISO instant, inclusive' }),
            to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'ISO instant, exclusive' }),
          }),
        },
        responses: { 200: json(pageOf(LogSchema)), ...errorResponses },
      }),
      async (c) => c.json(await listSecurityLogs(emFor(deps), c.req.valid('query')), 200),
    );
    return app;
  },
};
