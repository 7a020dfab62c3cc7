// Tokens: HS256 JWTs, short-lived, sent as a Bearer header (scripts) or an httpOnly SameSite=Strict
// cookie (the browser page). The user is re-read on every request, so switching an account off or
// changing its password takes effect at once.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sign, verify } from 'hono/jwt';
import type { AppDeps } from '../../app.js';
import { AppError } from '../../errors.js';
import { passwordVersion } from '../../domain/users/auth.service.js';
import { loadSigningKey } from '../../domain/users/signing-key.js';
import { User, type UserRole } from '../../domain/users/user.entity.js';
import { emFor } from '../request.js';
import type { AppEnv, AuthUser } from '../types.js';

export const SESSION_COOKIE = 'malar_session';
export const TOKEN_TTL_SECONDS = 2 * 60 * 60;

export interface Sessions {
  issue(c: Context<AppEnv>, user: User): Promise<{ token: string; expiresAt: string }>;
  clear(c: Context<AppEnv>): void;
  /** Sets c.var.user when the request carries a valid token; never refuses by itself. */
  identify: MiddlewareHandler<AppEnv>;
}

export function sessions(deps: AppDeps): Sessions {
  let key: Promise<string> | undefined;
  const signingKey = () =>
    (key ??= loadSigningKey(emFor(deps), deps.config.jwtSecret).then(
      (k) => {
        if (k.generated) deps.logger.warn('JWT_SECRET is unset: generated a signing key and stored it in system_settings');
        return k.key;
      },
      (err: unknown) => {
        key = undefined;
        throw err;
      },
    ));

  const secure = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

  return {
    async issue(c, user) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + TOKEN_TTL_SECONDS;
      const token = await sign({ sub: user.id, role: user.role, pv: passwordVersion(user.passwordHash), iat: now, exp }, await signingKey(), 'HS256');
      setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: TOKEN_TTL_SECONDS, secure: secure(c) });
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
    clear(c) {
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });
    },
    async identify(c, next) {
      const header = c.req.header('authorization');
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : getCookie(c, SESSION_COOKIE);
      if (token) {
        const secret = await signingKey();
        // A malformed, expired or forged token is simply no session.
        const payload = await verify(token, secret, 'HS256').catch(() => undefined);
        if (payload && typeof payload.sub === 'string') {
          const user = await emFor(deps).findOne(User, payload.sub);
          if (user && user.isActive && payload.pv === passwordVersion(user.passwordHash)) {
            const auth: AuthUser = { id: user.id, email: user.email, fullName: user.fullName, role: user.role, languagePreference: user.languagePreference };
            c.set('user', auth);
          }
        }
      }
      await next();
    },
  };
}

/** 401 without a valid token, 403 when the role is not among those allowed. */
export function requireRole(...roles: UserRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!user) throw new AppError('UNAUTHENTICATED', 'Sign in first', 401);
    if (!roles.includes(user.role)) throw new AppError('FORBIDDEN', 'Your role may not do this', 403);
    await next();
  };
}

/** Reads for some roles, changes for others (GET and HEAD are reads). */
export function allow(rule: { read: UserRole[]; write: UserRole[] }): MiddlewareHandler<AppEnv> {
  const read = requireRole(...rule.read);
  const write = requireRole(...rule.write);
  return (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? read(c, next) : write(c, next));
}
