import { createRoute, z } from '@hono/zod-openapi';
import { LANGUAGES } from '../../domain/columns.js';
import { USER_ROLES } from '../../domain/users/user.entity.js';
import { createUser, getUser, listUsers, resetPassword, updateUser } from '../../domain/users/users.service.js';
import { requireRole } from '../auth/session.js';
import { actorOf, emFor } from '../request.js';
import { conflictResponse, errorResponses, IdParam, json, jsonBody, newRouter, notFoundResponse, QueryBool, type ApiResource } from './router.js';

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    fullName: z.string(),
    phone: z.string(),
    role: z.enum(USER_ROLES),
    isActive: z.boolean(),
    languagePreference: z.enum(LANGUAGES),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('User');

const Password = z.string().min(10).max(200);
const NewUser = z.object({
  email: z.email().max(254),
  fullName: z.string().trim().min(1).max(255),
  phone: z.string().min(8).max(20),
  role: z.enum(USER_ROLES).default('staff'),
  languagePreference: z.enum(LANGUAGES).optional(),
  password: Password.optional().openapi({ description: 'Omit to have one generated and returned once' }),
});
const UserChanges = z
  .object({
    fullName: z.string().trim().min(1).max(255),
    phone: z.string().min(8).max(20),
    role: z.enum(USER_ROLES),
    isActive: z.boolean(),
    languagePreference: z.enum(LANGUAGES),
  })
  .partial()
  .strict();
const Generated = z.object({ generatedPassword: z.string().nullable().openapi({ description: 'Shown once when the server made it' }) });

const tags = ['Users'];

export const usersResource: ApiResource = {
  path: '/users',
  routes(deps, { sessions }) {
    const app = newRouter();
    app.use('*', requireRole('admin'));

    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Admins and staff',
        request: { query: z.object({ role: z.enum(USER_ROLES).optional(), active: QueryBool.optional() }) },
        responses: { 200: json(z.object({ items: z.array(UserSchema) })), ...errorResponses },
      }),
      async (c) => c.json({ items: await listUsers(emFor(deps), c.req.valid('query')) }, 200),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary: 'Add a staff member (or admin)',
        request: { body: jsonBody(NewUser) },
        responses: { 201: json(z.object({ user: UserSchema }).extend(Generated.shape)), ...errorResponses, ...conflictResponse },
      }),
      async (c) => c.json(await createUser(emFor(deps), c.req.valid('json'), actorOf(c, deps)), 201),
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags,
        request: { params: IdParam },
        responses: { 200: json(UserSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(await getUser(emFor(deps), c.req.valid('param').id), 200),
    );
    app.openapi(
      createRoute({
        method: 'patch',
        path: '/{id}',
        tags,
        summary: 'Change name, phone, role, language; isActive=false switches the account off',
        request: { params: IdParam, body: jsonBody(UserChanges) },
        responses: { 200: json(UserSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const id = c.req.valid('param').id;
        const user = await updateUser(emFor(deps), id, c.req.valid('json'), actorOf(c, deps));
        sessions.forgetUser(id);
        return c.json(user, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/password',
        tags,
        summary: "Set a user's password (omit it to have one generated); their sessions end",
        request: { params: IdParam, body: jsonBody(z.object({ password: Password.optional() })) },
        responses: { 200: json(Generated), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => {
        const id = c.req.valid('param').id;
        const result = await resetPassword(emFor(deps), id, c.req.valid('json').password, actorOf(c, deps));
        sessions.forgetUser(id);
        return c.json(result, 200);
      },
    );
    return app;
  },
};
