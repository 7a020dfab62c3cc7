// What every handler needs from a request: a fresh unit of work and who is acting from where.
import type { Context } from 'hono';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../app.js';
import type { Actor, StaffActor } from '../domain/audit/actor.js';
import type { AppEnv } from './types.js';

/** A request-scoped EntityManager: no identity map shared between requests. */
export const emFor = (deps: AppDeps): EntityManager => deps.db.orm.em.fork() as EntityManager;

/** The client's address: the socket's, or X-Forwarded-For's first hop when TRUST_PROXY says a proxy sets it. */
export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}

/** The request's Actor, built here once: the signed-in user (if any), the client's address and agent. */
export function actorOf(c: Context<AppEnv>, deps: AppDeps): Actor {
  const user = c.get('user');
  return {
    userId: user?.id ?? null,
    role: user?.role ?? null,
    ip: clientIp(c, deps.config.trustProxy),
    userAgent: c.req.header('user-agent')?.slice(0, 500) ?? null,
    channel: 'web',
  };
}

/** The signed-in user as the ledger services see them (role decides what they may do). Only behind requireRole. */
export function officeActor(c: Context<AppEnv>, deps: AppDeps): StaffActor {
  const user = c.get('user');
  if (!user) throw new Error('officeActor() used on a route without requireRole()');
  return { ...actorOf(c, deps), userId: user.id, role: user.role };
}
