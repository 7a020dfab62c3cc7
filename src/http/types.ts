import type { Language } from '../domain/columns.js';
import type { UserRole } from '../domain/users/user.entity.js';

/** The signed-in user of a request, from their live session (src/http/auth/session.ts). */
export interface AuthUser {
  id: string;
  email: string;
  fullName: string;
  role: UserRole;
  languagePreference: Language;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    /** Set by the auth middleware; absent on public routes. */
    user?: AuthUser;
    /** The sign-in session the request's token belongs to. */
    sessionId?: string;
  };
};
