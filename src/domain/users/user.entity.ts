import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, LANGUAGES, updatedAt, uuidPk } from '../columns.js';

export const USER_ROLES = ['admin', 'staff'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Admins and staff of the agent's office. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: uuidPk(),
    email: p.string().length(255).unique(),
    fullName: p.string().length(255),
    phone: p.string().length(20).unique(),
    role: p.enum(USER_ROLES),
    isActive: p.boolean().default(true),
    emailVerified: p.boolean().default(false),
    languagePreference: p.enum(LANGUAGES).default('en'),
    passwordHash: p.string().length(255).nullable(),
    lastLoginAt: p.datetime().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type User = InferEntity<typeof User>;
