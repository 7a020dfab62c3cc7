// The one place errors become HTTP answers: a stable code, a clear message, nothing internal leaked.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppEnv } from './types.js';

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

export function handleError(logger: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    const requestId = c.get('requestId');
    if (err instanceof AppError) {
      return c.json(errorBody(err.code, err.message, err.details ? { details: err.details } : {}), err.status as never);
    }
    if (err instanceof ZodError) {
      const fields = err.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      return c.json(errorBody('VALIDATION_FAILED', 'Some fields are not valid', { fields }), 422);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 401 ? 'UNAUTHENTICATED' : 'HTTP_ERROR';
      return c.json(errorBody(code, err.message || 'Request refused'), status);
    }
    logger.error({ err, requestId, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('INTERNAL', 'Something went wrong on our side', { requestId }), 500);
  };
}

export function notFound(c: Context<AppEnv>) {
  return c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404);
}
