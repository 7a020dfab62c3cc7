import type { UserRole } from '../users/user.entity.js';

/** Where a change came in: the web API/admin pages, a WhatsApp message, or an operator's CLI. */
export type ActorChannel = 'web' | 'chat' | 'cli';

/**
 * Who is making a change and from where: every use case that must say "who did it" takes one. Built once per
 * edge: the HTTP layer (src/http/request.ts, from the signed-in user and the request's address), the chat
 * identifier (src/chat/identify.ts, from the sender), and the CLIs. The audit row's actor columns come from it
 * in one place (actorColumns in audit.service.ts).
 */
export interface Actor {
  /** The signed-in user; absent before sign-in (a login attempt) and for the setup CLI. */
  userId?: string | null;
  /** The sender's phone (chat), or the user's phone where a ledger row records it (entries, advances). */
  phone?: string | null;
  /** Absent before sign-in and for the setup CLI. */
  role: UserRole | null;
  /** The client's address (web requests). */
  ip?: string | null;
  /** The client's User-Agent (web), or the CLI that acted. */
  userAgent?: string | null;
  channel: ActorChannel;
}

/** An Actor that is a signed-in staff member or admin: what ledger writes (entries, advances, payments) need. */
export type StaffActor = Actor & { userId: string; role: UserRole };
