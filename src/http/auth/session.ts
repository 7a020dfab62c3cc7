// Tokens: HS256 JWTs, short-lived, sent as a Bearer header (scripts) or an httpOnly SameSite=Strict
// cookie (the browser page). Each carries the id of its sign-in session (user_sessions). What a session
// lookup found is kept in memory for SESSION_RECHECK_MS, so a request costs no query: signing out, switching
// an account off or changing its password ends the session at once on the instance that did it, and on
// every other instance within SESSION_RECHECK_MS (the bound documented in docs/production.md).
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sign, verify } from 'hono/jwt';
import type { AppDeps } from '../../app.js';
import { AppError } from '../../errors.js';
import { passwordVersion } from '../../domain/users/auth.service.js';
import { loadSigningKey } from '../../domain/users/signing-key.js';
import { endSession, liveSession, openSession, type LiveSession } from '../../domain/users/sessions.service.js';
import type { User, UserRole } from '../../domain/users/user.entity.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv, AuthUser } from '../types.js';

export const SESSION_COOKIE = 'malar_session';
export const TOKEN_TTL_SECONDS = 2 * 60 * 60;
/** How long one instance trusts what it read about a session before reading it again. */
export const SESSION_RECHECK_MS = 30_000;
const MAX_CACHED_SESSIONS = 50_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Sessions {
  issue(c: Context<AppEnv>, user: User): Promise<{ token: string; expiresAt: string }>;
  clear(c: Context<AppEnv>): void;
  /** Signs the request's session out (revoked in the database, forgotten here) and clears the cookie. */
  logout(c: Context<AppEnv>): Promise<void>;
  /** Forgets what this instance knows about a user's sessions (after their account or password changed). */
  forgetUser(userId: string): void;
  /** Sets c.var.user when the request carries a valid token; never refuses by itself. */
  identify: MiddlewareHandler<AppEnv>;
}

export interface SessionOptions {
  /** The clock of the session cache (tests move it); tokens' own expiry is checked against the real one. */
  now?: () => number;
}

export function sessions(deps: AppDeps, options: SessionOptions = {}): Sessions {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { live: LiveSession | null; checkedAt: number }>();
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
  const clear = (c: Context<AppEnv>) => deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });

  async function lookup(sessionId: string): Promise<LiveSession | null> {
    const hit = cache.get(sessionId);
    if (hit && now() - hit.checkedAt < SESSION_RECHECK_MS) return hit.live;
    const live = await liveSession(emFor(deps), sessionId);
    cache.delete(sessionId);
    if (cache.size >= MAX_CACHED_SESSIONS) cache.delete(cache.keys().next().value!);
    cache.set(sessionId, { live, checkedAt: now() });
    return live;
  }

  return {
    async issue(c, user) {
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + TOKEN_TTL_SECONDS;
      const sid = await openSession(emFor(deps), user.id, new Date(exp * 1000));
      const token = await sign({ sub: user.id, sid, role: user.role, pv: passwordVersion(user.passwordHash), iat, exp }, await signingKey(), 'HS256');
      setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: TOKEN_TTL_SECONDS, secure: secure(c) });
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
    clear,
    async logout(c) {
      const sessionId = c.get('sessionId');
      const user = c.get('user');
      if (sessionId && user) {
        await endSession(emFor(deps), { sessionId, userId: user.id }, actorOf(c, deps));
        cache.delete(sessionId);
      }
      clear(c);
    },
    forgetUser(userId) {
      for (const [sid, entry] of cache) if (entry.live?.userId === userId) cache.delete(sid);
    },
    async identify(c, next) {
      const header = c.req.header('authorization');
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : getCookie(c, SESSION_COOKIE);
      if (token) {
        const secret = await signingKey();
        // A malformed, expired or forged token is simply no session.
        const payload = await verify(token, secret, 'HS256').catch(() => undefined);
        if (payload && typeof payload.sub === 'string' && typeof payload.sid === 'string' && UUID.test(payload.sid)) {
          const live = await lookup(payload.sid);
          if (live && live.userId === payload.sub && payload.pv === passwordVersion(live.passwordHash)) {
            const auth: AuthUser = {
              id: live.userId,
              email: live.email,
              fullName: live.fullName,
              role: live.role,
              languagePreference: live.languagePreference,
            };
            c.set('user', auth);
            c.set('sessionId', live.sessionId);
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
