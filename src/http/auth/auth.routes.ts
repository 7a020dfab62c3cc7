import { createRoute, z } from '@hono/zod-openapi';
import { changeOwnPassword, login } from '../../domain/users/auth.service.js';
import { getUser } from '../../domain/users/users.service.js';
import { User } from '../../domain/users/user.entity.js';
import { actorOf, emFor } from '../request.js';
import { requireRole } from './session.js';
import { errorResponses, ErrorSchema, json, jsonBody, newRouter, type ApiResource } from '../api/router.js';
import { UserSchema } from '../api/users.routes.js';

const LoginBody = z.object({
  email: z.string().trim().min(3).max(254).openapi({ example: 'admin@malar.com' }),
  password: z.string().min(1).max(200),
});
const LoginResult = z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: z.string(), user: UserSchema }).openapi('LoginResult');

const tags = ['Auth'];
const signedIn = requireRole('admin', 'staff');

export const authResource: ApiResource = {
  path: '/auth',
  routes(deps, { sessions }) {
    const app = newRouter();

    app.openapi(
      createRoute({
        method: 'post',
        path: '/login',
        tags,
        summary: 'Sign in: a Bearer token, and the same token as an httpOnly SameSite=Strict cookie',
        security: [],
        request: { body: jsonBody(LoginBody) },
        responses: {
          200: json(LoginResult),
          401: json(ErrorSchema, 'Email or password is wrong (INVALID_CREDENTIALS), the same for an unknown email'),
          403: json(ErrorSchema, 'Account switched off (ACCOUNT_INACTIVE)'),
          422: errorResponses[422],
          429: json(ErrorSchema, 'Too many failed attempts for this account or address (TOO_MANY_ATTEMPTS)'),
        },
      }),
      async (c) => {
        const em = emFor(deps);
        const user = await login(em, c.req.valid('json'), actorOf(c, deps));
        const { token, expiresAt } = await sessions.issue(c, user);
        return c.json({ token, tokenType: 'Bearer' as const, expiresAt, user: await getUser(em.fork(), user.id) }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/logout',
        tags,
        summary: 'Sign out: this token (Bearer or cookie) stops working and the cookie is cleared',
        middleware: [signedIn] as const,
        responses: { 200: json(z.object({ ok: z.literal(true) })), 401: errorResponses[401] },
      }),
      async (c) => {
        await sessions.logout(c);
        return c.json({ ok: true as const }, 200);
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: '/me',
        tags,
        summary: 'The signed-in user',
        middleware: [signedIn] as const,
        responses: { 200: json(UserSchema), 401: errorResponses[401] },
      }),
      async (c) => c.json(await getUser(emFor(deps), c.get('user')!.id), 200),
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: '/password',
        tags,
        summary: 'Change your own password; other sessions end, this one gets a fresh token',
        middleware: [signedIn] as const,
        request: {
          body: jsonBody(z.object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(10).max(200) })),
        },
        responses: {
          200: json(z.object({ token: z.string(), expiresAt: z.string() })),
          400: json(ErrorSchema, 'The current password is wrong (WRONG_PASSWORD)'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const em = emFor(deps);
        const userId = c.get('user')!.id;
        await changeOwnPassword(em, userId, c.req.valid('json'), actorOf(c, deps));
        sessions.forgetUser(userId);
        const fresh = await em.fork().findOneOrFail(User, userId);
        return c.json(await sessions.issue(c, fresh), 200);
      },
    );
    return app;
  },
};
