// Shared pieces of the /api sub-apps: the router factory, common schemas, pagination.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../../app.js';
import type { Sessions } from '../auth/session.js';
import type { AppEnv } from '../types.js';

/** A sub-app whose validation failures reach the one error mapper (422 listing the fields). */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw result.error;
    },
  });
}
export type Router = ReturnType<typeof newRouter>;

/** One resource under /api. Adding /api/advances is one file exporting one of these, listed in api/index.ts. */
export interface ApiResource {
  path: string;
  routes(deps: AppDeps, ctx: ApiContext): Router;
}
export interface ApiContext {
  sessions: Sessions;
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      requestId: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
/** The error answers every protected route can give. */
export const errorResponses = {
  401: err('Not signed in (UNAUTHENTICATED)'),
  403: err('Role not allowed (FORBIDDEN)'),
  422: err('Invalid input (VALIDATION_FAILED, with fields)'),
} as const;
export const notFoundResponse = { 404: err('No such row') } as const;
export const conflictResponse = { 409: err('Conflicts with existing data') } as const;

export const json = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** Money out: a string with two decimals. */
export const Money = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .openapi({ example: '450.00' });
/** Money or a rate in: '450', '450.5', '450.50' (a JSON number is accepted and read as its text). */
export const MoneyInput = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d{1,8}(\.\d{1,2})?$/, 'must be an amount with at most 2 decimals'))
  .openapi({ type: 'string', example: '450.00' });
export const Percent = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(
    z
      .string()
      .regex(/^\d{1,3}(\.\d{1,2})?$/, 'must be a percentage with at most 2 decimals')
      .refine((v) => Number(v) <= 100, 'must be at most 100'),
  )
  .openapi({ type: 'string', example: '5.00' });
export const IsoDate = z.iso.date().openapi({ example: '2026-11-25' });
export const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const PAGE_SIZE_MAX = 200;
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(50),
});
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() });

/** 'true'/'false' in a query string. */
export const QueryBool = z.enum(['true', 'false']).transform((v) => v === 'true');
