import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk } from '../columns.js';
import { User } from './user.entity.js';

/**
 * One sign-in: its id travels in the token, so signing out (revoked_at) ends that token before it expires.
 * Switching an account off or changing its password revokes every session of the account.
 */
export const UserSession = defineEntity({
  name: 'UserSession',
  tableName: 'user_sessions',
  properties: {
    id: uuidPk(),
    user: () => p.manyToOne(User).deleteRule('restrict').index(),
    createdAt: createdAt(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
  },
});
export type UserSession = InferEntity<typeof UserSession>;
