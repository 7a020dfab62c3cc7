// Signing in: the same answer and the same work whether or not the email is known, failed attempts
// counted in the database (several instances may run) per account and per address.
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { hashPassword, verifyPassword } from './password.js';
import { User } from './user.entity.js';

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
  createHash('sha256').update(passwordHash ?? '').digest('base64url').slice(0, 12);

const invalid = () => new AppError('INVALID_CREDENTIALS', 'Email or password is wrong', 401);

async function recentFailures(em: EntityManager, email: string, ip: string | null) {
  const rows = await em.getConnection().execute<{ by_account: string; by_ip: string }[]>(
    `select count(*) filter (where entity_id = ?)::text as by_account,
            count(*) filter (where ip_address = ?)::text as by_ip
       from security_logs
      where action = 'login_failed' and created_at > now() - make_interval(mins => ?)
        and (entity_id = ? or ip_address = ?)`,
    [email, ip, LOGIN_WINDOW_MINUTES, email, ip],
  );
  return { byAccount: Number(rows[0]?.by_account ?? 0), byIp: Number(rows[0]?.by_ip ?? 0) };
}

export async function login(em: EntityManager, input: { email: string; password: string }, actor: Actor): Promise<User> {
  const fullEmail = normalizeEmail(input.email);
  const email = fullEmail.slice(0, 100);
  const audit = { entity: 'user', ipAddress: actor.ipAddress, userAgent: actor.userAgent };

  const failures = await recentFailures(em, email, actor.ipAddress);
  if (failures.byAccount >= MAX_FAILURES_PER_ACCOUNT || failures.byIp >= MAX_FAILURES_PER_IP) {
    await em.transactional(async (tx) => {
      recordSecurityEvent(tx, { ...audit, action: 'login_throttled', entityId: email, details: { ...failures } });
    });
    throw new AppError('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins; try again later', 429, {
      retryAfterSeconds: LOGIN_WINDOW_MINUTES * 60,
    });
  }

  const user = await em.findOne(User, { email: fullEmail });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummy()), input.password);
  if (!user || !ok || !user.passwordHash) {
    await em.transactional(async (tx) => {
      recordSecurityEvent(tx, {
        ...audit,
        action: 'login_failed',
        actorUserId: user?.id ?? null,
        entityId: email,
        details: { reason: user ? 'wrong_password' : 'unknown_email' },
      });
    });
    throw invalid();
  }
  if (!user.isActive) {
    await em.transactional(async (tx) => {
      recordSecurityEvent(tx, { ...audit, action: 'login_refused', actorUserId: user.id, entityId: email, details: { reason: 'inactive' } });
    });
    throw new AppError('ACCOUNT_INACTIVE', 'This account is switched off; ask an admin', 403);
  }
  await em.transactional(async (tx) => {
    const u = await tx.findOneOrFail(User, user.id);
    u.lastLoginAt = new Date();
    recordSecurityEvent(tx, { ...audit, action: 'login', actorUserId: user.id, entityId: user.id });
  });
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
      recordSecurityEvent(tx, { action: 'password_change_failed', actorUserId: userId, entity: 'user', entityId: userId, ipAddress: actor.ipAddress, userAgent: actor.userAgent });
    });
    throw new AppError('WRONG_PASSWORD', 'The current password is wrong', 400);
  }
  const hash = await hashPassword(input.newPassword);
  await em.transactional(async (tx) => {
    const u = await tx.findOneOrFail(User, userId);
    u.passwordHash = hash;
    recordSecurityEvent(tx, { action: 'password_changed', actorUserId: userId, entity: 'user', entityId: userId, ipAddress: actor.ipAddress, userAgent: actor.userAgent });
  });
}
