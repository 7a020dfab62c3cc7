import type { Language } from '../domain/columns.js';
import type { UserRole } from '../domain/users/user.entity.js';

/** The signed-in user of a request, loaded fresh from the database on every request. */
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
  };
};
