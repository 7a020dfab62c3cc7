// Signing in: the same answer and the same work whether or not the email is known, failed attempts
// counted in the database (several instances may run) per account and per address.
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { SecurityLog } from '../audit/security-log.entity.js';
import { hashPassword, verifyPassword } from './password.js';
import { User } from './user.entity.js';
import { revokeUserSessions } from './sessions.service.js';

export const LOGIN_WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_IP = 20;

// Verified against when the email is unknown, so both paths cost one argon2 verification. Made at
// load time so that even the first unknown email costs no extra hashing.
const dummyHash = hashPassword(`not-a-real-password-${randomBytes(8).toString('hex')}`);
const dummy = () => dummyHash;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Changes when the password does: tokens carry it, so a password change ends every older session. */
export const passwordVersion = (passwordHash: string | null | undefined) =>
  createHash('sha256')
    .update(passwordHash ?? '')
    .digest('base64url')
    .slice(0, 12);

const invalid = () => new AppError('INVALID_CREDENTIALS', 'Email or password is wrong', 401);

async function recentFailures(em: EntityManager, email: string, ip: string | null) {
  const rows = await em.execute<{ by_account: string; by_ip: string }[]>(
    `select count(*) filter (where entity_id = ?)::text as by_account,
            count(*) filter (where ip_address = ?)::text as by_ip
       from security_logs
      where action = 'login_failed' and created_at > now() - make_interval(mins => ?)
        and (entity_id = ? or ip_address = ?)`,
    [email, ip, LOGIN_WINDOW_MINUTES, email, ip],
  );
  return { byAccount: Number(rows[0]?.by_account ?? 0), byIp: Number(rows[0]?.by_ip ?? 0) };
}

/**
 * Signing in. The attempt is counted before its password is checked: under advisory locks on the account and
 * the address, the recent failures are counted and, when below the limits, a `login_failed` row is written at
 * once — so fifty parallel wrong passwords get exactly the allowed tries, and the slow argon2 check holds no
 * lock or connection. A right password then replaces that provisional row with the `login` row.
 */
export async function login(em: EntityManager, input: { email: string; password: string }, actor: Actor): Promise<User> {
  const fullEmail = normalizeEmail(input.email);
  const email = fullEmail.slice(0, 100);
  const audit = { entity: 'user', ipAddress: actor.ip ?? null, userAgent: actor.userAgent ?? null };

  const attempt = await em.transactional(async (tx) => {
    // Always the account first, then the address: one order, so two attempts never wait on each other in a cycle.
    await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`malar.login.account:${email}`]);
    if (actor.ip) await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`malar.login.ip:${actor.ip}`]);
    const failures = await recentFailures(tx, email, actor.ip ?? null);
    if (failures.byAccount >= MAX_FAILURES_PER_ACCOUNT || failures.byIp >= MAX_FAILURES_PER_IP) {
      recordSecurityEvent(tx, { ...audit, action: 'login_throttled', entityId: email, details: { ...failures } });
      return null;
    }
    const row = recordSecurityEvent(tx, { ...audit, action: 'login_failed', entityId: email, details: { reason: 'checking' } });
    await tx.flush();
    return row.id;
  });
  if (attempt === null) {
    throw new AppError('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins; try again later', 429, {
      retryAfterSeconds: LOGIN_WINDOW_MINUTES * 60,
    });
  }

  const user = await em.findOne(User, { email: fullEmail });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummy()), input.password);
  if (!user || !ok || !user.passwordHash) {
    await em.transactional(async (tx) => {
      await tx.nativeUpdate(
        SecurityLog,
        { id: attempt },
        { actorUser: user?.id ?? null, details: { reason: user ? 'wrong_password' : 'unknown_email' } },
      );
    });
    throw invalid();
  }
  // The password was right: the attempt is not a failure.
  await em.transactional(async (tx) => {
    await tx.nativeDelete(SecurityLog, { id: attempt, action: 'login_failed' });
    if (!user.isActive) {
      recordSecurityEvent(tx, { ...audit, action: 'login_refused', actorUserId: user.id, entityId: email, details: { reason: 'inactive' } });
      return;
    }
    const u = await tx.findOneOrFail(User, user.id);
    u.lastLoginAt = new Date();
    recordSecurityEvent(tx, { ...audit, action: 'login', actorUserId: user.id, entityId: user.id });
  });
  if (!user.isActive) throw new AppError('ACCOUNT_INACTIVE', 'This account is switched off; ask an admin', 403);
  return user;
}

export async function changeOwnPassword(
  em: EntityManager,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  actor: Actor,
): Promise<void> {
  const user = await em.findOneOrFail(User, userId);
  if (!(await verifyPassword(user.passwordHash ?? (await dummy()), input.currentPassword))) {
    await em.transactional(async (tx) => {
      recordSecurityEvent(tx, {
        action: 'password_change_failed',
        actorUserId: userId,
        entity: 'user',
        entityId: userId,
        ipAddress: actor.ip ?? null,
        userAgent: actor.userAgent ?? null,
      });
    });
    throw new AppError('WRONG_PASSWORD', 'The current password is wrong', 400);
  }
  const hash = await hashPassword(input.newPassword);
  await em.transactional(async (tx) => {
    const u = await tx.findOneOrFail(User, userId);
    u.passwordHash = hash;
    await revokeUserSessions(tx, userId);
    recordSecurityEvent(tx, {
      action: 'password_changed',
      actorUserId: userId,
      entity: 'user',
      entityId: userId,
      ipAddress: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
    });
  });
}
