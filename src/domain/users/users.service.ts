// Admins manage the office's accounts. Accounts are never deleted (the audit trail points at them):
// they are switched off.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, NotFoundError } from '../../errors.js';
import type { Language } from '../columns.js';
import { LockMode } from '@mikro-orm/core';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { normalizePhone } from '../phone.js';
import { normalizeEmail } from './auth.service.js';
import { generatePassword, hashPassword } from './password.js';
import { User, type UserRole } from './user.entity.js';
import { revokeUserSessions } from './sessions.service.js';

export function userView(u: User) {
  return {
    id: u.id,
    email: u.email,
    fullName: u.fullName,
    phone: u.phone,
    role: u.role,
    isActive: u.isActive,
    languagePreference: u.languagePreference,
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
    createdAt: u.createdAt.toISOString(),
  };
}
export type UserView = ReturnType<typeof userView>;

function phoneOrFail(phone: string): string {
  const p = normalizePhone(phone);
  if (!p) throw new AppError('INVALID_PHONE', 'That is not a phone number', 422, { field: 'phone' });
  return p;
}

export interface NewUser {
  email: string;
  fullName: string;
  phone: string;
  role: UserRole;
  languagePreference?: Language | undefined;
  password?: string | undefined;
}

/** Returns the password once when it was generated here; only its hash is stored. */
export async function createUser(em: EntityManager, input: NewUser, actor: Actor) {
  const password = input.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const user = await em.transactional(async (tx) => {
    const u = tx.create(User, {
      email: normalizeEmail(input.email),
      fullName: input.fullName.trim(),
      phone: phoneOrFail(input.phone),
      role: input.role,
      isActive: true,
      emailVerified: false,
      languagePreference: input.languagePreference ?? 'en',
      passwordHash,
    });
    await tx.flush();
    recordSecurityEvent(tx, { actor, action: 'user_created', entity: 'user', entityId: u.id, details: { new: userView(u) } });
    return u;
  });
  return { user: userView(user), generatedPassword: input.password ? null : password };
}

export interface UserChanges {
  fullName?: string | undefined;
  phone?: string | undefined;
  role?: UserRole | undefined;
  isActive?: boolean | undefined;
  languagePreference?: Language | undefined;
}

export async function updateUser(em: EntityManager, id: string, changes: UserChanges, actor: Actor): Promise<UserView> {
  return em.transactional(async (tx) => {
    const u = await tx.findOne(User, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!u) throw new NotFoundError('User');
    if (id === actor.userId && (changes.isActive === false || (changes.role && changes.role !== 'admin'))) {
      throw new AppError('SELF_LOCKOUT', 'You cannot switch off or demote your own account', 409);
    }
    const before = userView(u);
    if (changes.fullName !== undefined) u.fullName = changes.fullName.trim();
    if (changes.phone !== undefined) u.phone = phoneOrFail(changes.phone);
    if (changes.role !== undefined) u.role = changes.role;
    if (changes.isActive !== undefined) u.isActive = changes.isActive;
    if (changes.languagePreference !== undefined) u.languagePreference = changes.languagePreference;
    await tx.flush();
    // Switched off or given another role: every session of the account ends (it signs in again if still allowed).
    if ((before.isActive && !u.isActive) || before.role !== u.role) await revokeUserSessions(tx, u.id);
    const after = userView(u);
    recordSecurityEvent(tx, { actor, action: 'user_updated', entity: 'user', entityId: u.id, details: { old: before, new: after } });
    return after;
  });
}

export async function resetPassword(em: EntityManager, id: string, password: string | undefined, actor: Actor) {
  const pw = password ?? generatePassword();
  const hash = await hashPassword(pw);
  await em.transactional(async (tx) => {
    const u = await tx.findOne(User, id);
    if (!u) throw new NotFoundError('User');
    u.passwordHash = hash;
    await revokeUserSessions(tx, u.id);
    recordSecurityEvent(tx, { actor, action: 'password_reset', entity: 'user', entityId: u.id });
  });
  return { generatedPassword: password ? null : pw };
}

export async function listUsers(em: EntityManager, filter: { role?: UserRole | undefined; active?: boolean | undefined }) {
  const where: Record<string, unknown> = {};
  if (filter.role) where.role = filter.role;
  if (filter.active !== undefined) where.isActive = filter.active;
  return (await em.find(User, where, { orderBy: { email: 'asc' } })).map(userView);
}

export async function getUser(em: EntityManager, id: string): Promise<UserView> {
  const u = await em.findOne(User, id);
  if (!u) throw new NotFoundError('User');
  return userView(u);
}

/** Whether the market has an active admin: until it does, /ready says so and the log names `npm run setup`. */
export async function hasActiveAdmin(em: EntityManager): Promise<boolean> {
  return (await em.count(User, { role: 'admin', isActive: true })) > 0;
}

/**
 * The market's first admin (npm run setup). Refused once an active admin exists: from then on admins add
 * accounts through the API. An advisory lock keeps two setups running at once to one admin.
 */
export async function createFirstAdmin(em: EntityManager, input: Omit<NewUser, 'role' | 'password'> & { password: string }, actor: Actor) {
  const passwordHash = await hashPassword(input.password);
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('malar.first_admin'))`);
    const existing = await tx.findOne(User, { role: 'admin', isActive: true }, { orderBy: { createdAt: 'asc' } });
    if (existing)
      throw new AppError('ADMIN_EXISTS', `The market already has an admin (${existing.email}); add more accounts through /api/users`, 409, {
        email: existing.email,
      });
    const email = normalizeEmail(input.email);
    const phone = phoneOrFail(input.phone);
    if (await tx.count(User, { email })) throw new AppError('EMAIL_TAKEN', `${email} already has an account`, 409, { field: 'email' });
    if (await tx.count(User, { phone })) throw new AppError('PHONE_TAKEN', `${phone} already has an account`, 409, { field: 'phone' });
    const u = tx.create(User, {
      email,
      fullName: input.fullName.trim(),
      phone,
      role: 'admin',
      isActive: true,
      emailVerified: false,
      languagePreference: input.languagePreference ?? 'en',
      passwordHash,
    });
    await tx.flush();
    recordSecurityEvent(tx, { actor, action: 'user_created', entity: 'user', entityId: u.id, details: { new: userView(u), firstAdmin: true } });
    return userView(u);
  });
}
