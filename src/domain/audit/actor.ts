/** Who is making a change and from where: every audited service takes one. */
export interface Actor {
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
}

/** The actor's part of a recordSecurityEvent() call. */
export const actorFields = (actor: Actor) => ({ actorUserId: actor.userId, ipAddress: actor.ipAddress, userAgent: actor.userAgent });
