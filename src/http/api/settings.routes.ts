import { createRoute, z } from '@hono/zod-openapi';
import { getSetting, listSettings, updateSetting } from '../../domain/settings/settings.service.js';
import { requireRole } from '../auth/session.js';
import { actorOf, emFor } from '../request.js';
import { errorResponses, json, jsonBody, newRouter, notFoundResponse, type ApiResource } from './router.js';

const SettingSchema = z
  .object({
    key: z.string(),
    valueType: z.enum(['number', 'string', 'boolean', 'json']),
    value: z.unknown().openapi({ description: 'boolean and json as such; numbers as exact text ("5.0")' }),
    description: z.string().nullable(),
    isPublic: z.boolean(),
  })
  .openapi('Setting');
const KeyParam = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9_]{1,100}$/)
    .openapi({ param: { name: 'key', in: 'path' } }),
});

const tags = ['Settings'];
const admin = requireRole('admin');

export const settingsResource: ApiResource = {
  path: '/settings',
  routes(deps) {
    const app = newRouter();
    app.openapi(
      createRoute({
        method: 'get',
        path: '/public',
        tags,
        summary: 'Public settings (market name, hours); no sign-in needed',
        security: [],
        responses: { 200: json(z.object({ items: z.array(SettingSchema) })) },
      }),
      async (c) => c.json({ items: await listSettings(emFor(deps), true) }, 200),
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        middleware: [admin] as const,
        responses: { 200: json(z.object({ items: z.array(SettingSchema) })), ...errorResponses },
      }),
      async (c) => c.json({ items: await listSettings(emFor(deps), false) }, 200),
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{key}',
        tags,
        middleware: [admin] as const,
        request: { params: KeyParam },
        responses: { 200: json(SettingSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(await getSetting(emFor(deps), c.req.valid('param').key), 200),
    );
    app.openapi(
      createRoute({
        method: 'put',
        path: '/{key}',
        tags,
        summary: "Change a setting; the value is checked against the setting's type (INVALID_SETTING_VALUE)",
        middleware: [admin] as const,
        request: { params: KeyParam, body: jsonBody(z.object({ value: z.unknown() }).strict()) },
        responses: { 200: json(SettingSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(await updateSetting(emFor(deps), c.req.valid('param').key, c.req.valid('json').value, actorOf(c, deps)), 200),
    );
    return app;
  },
};
