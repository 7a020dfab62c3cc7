// The one place errors become HTTP answers: a stable code, a message in the user's language, nothing
// internal leaked. Database constraint violations that a racing request can still hit become 409s.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { AppError } from '../errors.js';
import type { Language } from '../domain/columns.js';
import { translator } from '../i18n.js';
import type { Logger } from '../logger.js';
import type { AppEnv } from './types.js';

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

/** The signed-in user's language, else the best of Accept-Language, else English. */
export function requestLanguage(c: Context<AppEnv>): Language {
  const user = c.get('user');
  if (user) return user.languagePreference;
  const ranked = (c.req.header('accept-language') ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'ta' || tag.startsWith('ta-')) return 'ta';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

// Unique constraints an admin can run into, by name, to the code the client sees.
const UNIQUE_CODES: Record<string, string> = {
  users_email_unique: 'EMAIL_TAKEN',
  users_phone_unique: 'PHONE_TAKEN',
  farmers_farmer_code_unique: 'FARMER_CODE_TAKEN',
  farmers_whatsapp_number_unique: 'WHATSAPP_NUMBER_TAKEN',
  flower_types_code_unique: 'FLOWER_CODE_TAKEN',
  flower_types_name_unique: 'FLOWER_NAME_TAKEN',
  flower_types_name_ta_unique: 'FLOWER_NAME_TAKEN',
  time_slots_name_unique: 'SLOT_NAME_TAKEN',
  time_slots_name_ta_unique: 'SLOT_NAME_TAKEN',
};

/** PostgreSQL SQLSTATE → an AppError, or null when it is not one a client can cause. */
export function databaseError(err: unknown): AppError | null {
  const e = err as { code?: unknown; constraint?: unknown };
  if (typeof e?.code !== 'string') return null;
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  switch (e.code) {
    case '23505':
      return new AppError(UNIQUE_CODES[constraint ?? ''] ?? 'ALREADY_EXISTS', 'That already exists', 409, constraint ? { constraint } : undefined);
    case '23P01':
      return new AppError(constraint === 'time_slots_no_overlap' ? 'SLOT_OVERLAP' : 'CONFLICT', 'That overlaps with an existing row', 409);
    case '23503':
      return new AppError('IN_USE', 'Other records still refer to this', 409);
    case '23514':
      return new AppError('CHECK_FAILED', 'A value is out of range', 422, constraint ? { constraint } : undefined);
    default:
      return null;
  }
}

function translated(c: Context<AppEnv>, code: string, fallback: string, details?: Record<string, unknown>): string {
  const t = translator(requestLanguage(c));
  // A feature may keep its API texts in its own locale file (fixes.json: `fixes.api.<CODE>`).
  return t([`api.errors.${code}`, `fixes.api.${code}`], { ...(details ?? {}), defaultValue: fallback });
}

export function handleError(logger: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    const requestId = c.get('requestId');
    const known = err instanceof AppError ? err : databaseError(err);
    if (known) {
      if (known.status === 429 && typeof known.details?.retryAfterSeconds === 'number') {
        c.header('retry-after', String(known.details.retryAfterSeconds));
      }
      const message = translated(c, known.code, known.message, known.details);
      return c.json(errorBody(known.code, message, known.details ? { details: known.details } : {}), known.status as never);
    }
    if (err instanceof ZodError) {
      const fields = err.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      return c.json(errorBody('VALIDATION_FAILED', translated(c, 'VALIDATION_FAILED', 'Some fields are not valid'), { fields }), 422);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 401 ? 'UNAUTHENTICATED' : status === 400 ? 'BAD_REQUEST' : 'HTTP_ERROR';
      return c.json(errorBody(code, translated(c, code, err.message || 'Request refused')), status);
    }
    logger.error({ err, requestId, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('INTERNAL', translated(c, 'INTERNAL', 'Something went wrong on our side'), { requestId }), 500);
  };
}

export function notFound(c: Context<AppEnv>) {
  return c.json(
    errorBody(
      'NOT_FOUND',
      translated(c, 'ROUTE_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`, { method: c.req.method, path: c.req.path }),
    ),
    404,
  );
}
