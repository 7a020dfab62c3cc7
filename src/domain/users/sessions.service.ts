// Sign-in sessions: a row per sign-in, its id carried in the token. Signing out revokes the row; switching an
// account off or changing its password revokes every row of the account. The HTTP layer caches what it read
// for a short while (src/http/auth/session.ts), so a request does not cost a query.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { UserSession } from './user-session.entity.js';
import type { UserRole } from './user.entity.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';

export async function openSession(em: EntityManager, userId: string, expiresAt: Date): Promise<string> {
  return em.transactional(async (tx) => {
    const s = tx.create(UserSession, { user: userId, expiresAt, revokedAt: null });
    await tx.flush();
    return s.id;
  });
}

/** Call inside the transaction of the change (sign-out), so the audit row and the revocation commit together. */
export async function revokeSession(em: EntityManager, sessionId: string, at = new Date()): Promise<void> {
  await em.nativeUpdate(UserSession, { id: sessionId, revokedAt: null }, { revokedAt: at });
}

/** Every live session of a user; `except` keeps one (the session that asked for the change). */
export async function revokeUserSessions(em: EntityManager, userId: string, at = new Date(), except?: string): Promise<number> {
  return em.nativeUpdate(UserSession, { user: userId, revokedAt: null, ...(except ? { id: { $ne: except } } : {}) }, { revokedAt: at });
}

export interface LiveSession {
  sessionId: string;
  userId: string;
  email: string;
  fullName: string;
  role: UserRole;
  languagePreference: Language;
  passwordHash: string | null;
}

/** The session and its user when the session is live (not revoked, not expired) and the user active; else null. */
export async function liveSession(em: EntityManager, sessionId: string, now = new Date()): Promise<LiveSession | null> {
  const rows = await em.execute<
    { user_id: string; email: string; full_name: string; role: UserRole; language_preference: Language; password_hash: string | null }[]
  >(
    `select u.id as user_id, u.email, u.full_name, u.role, u.language_preference, u.password_hash
       from user_sessions s join users u on u.id = s.user_id
      where s.id = ? and s.revoked_at is null and s.expires_at > ? and u.is_active`,
    [sessionId, now],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    sessionId,
    userId: r.user_id,
    email: r.email,
    fullName: r.full_name,
    role: r.role,
    languagePreference: r.language_preference,
    passwordHash: r.password_hash,
  };
}

/** Signing out: the session is revoked and the audit row written in one transaction. */
export async function endSession(em: EntityManager, session: { sessionId: string; userId: string }, actor: Actor): Promise<void> {
  await em.transactional(async (tx) => {
    await revokeSession(tx, session.sessionId);
    recordSecurityEvent(tx, { actor, action: 'logout', entity: 'user', entityId: session.userId, details: { sessionId: session.sessionId } });
  });
}
