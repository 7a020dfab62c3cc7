// The routes most reference resources share: add one, read one, change one, delete one. Each resource keeps its
// own list route (filters differ) and anything beyond these four.
import { createRoute, z } from '@hono/zod-openapi';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'hono';
import type { AppDeps } from '../../app.js';
import type { Actor } from '../../domain/audit/actor.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { conflictResponse, errorResponses, IdParam, json, jsonBody, notFoundResponse, type Router } from './router.js';

type Responses = Record<number, { description: string }>;

export interface RowRoutes<Row extends z.ZodType, New extends z.ZodType, Changes extends z.ZodType> {
  tags: string[];
  schema: Row;
  /** Extra answers (for example a 409 that names an overlap) on create and update. */
  conflicts?: Responses;
  get: (em: EntityManager, id: string) => Promise<z.input<Row>>;
  create?: { body: New; summary?: string; run: (em: EntityManager, input: z.output<New>, actor: Actor) => Promise<z.input<Row>> };
  update?: {
    body: Changes;
    summary: string;
    run: (em: EntityManager, id: string, input: z.output<Changes>, actor: Actor) => Promise<z.input<Row>>;
  };
  remove?: { summary: string; run: (em: EntityManager, id: string, actor: Actor) => Promise<void> };
}

// zod-openapi cannot follow generic route types: the spec types the handlers, and these casts hand them over.
type Ctx = Context<AppEnv>;
const valid = (c: Ctx, target: 'param' | 'json') => (c.req as unknown as { valid(t: string): unknown }).valid(target);
const idOf = (c: Ctx) => (valid(c, 'param') as { id: string }).id;
const bodyOf = <T>(c: Ctx) => valid(c, 'json') as T;

export function addRowRoutes<Row extends z.ZodType, New extends z.ZodType, Changes extends z.ZodType>(
  app: Router,
  deps: AppDeps,
  spec: RowRoutes<Row, New, Changes>,
): void {
  const { tags, schema } = spec;
  const conflicts = { ...conflictResponse, ...spec.conflicts };
  const { create, update, remove } = spec;
  if (create) {
    app.openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary: create.summary,
        request: { body: jsonBody(create.body) },
        responses: { 201: json(schema), ...errorResponses, ...conflicts },
      }),
      (async (c: Ctx) => c.json(await create.run(emFor(deps), bodyOf<z.output<New>>(c), actorOf(c, deps)), 201)) as never,
    );
  }
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      request: { params: IdParam },
      responses: { 200: json(schema), ...errorResponses, ...notFoundResponse },
    }),
    (async (c: Ctx) => c.json(await spec.get(emFor(deps), idOf(c)), 200)) as never,
  );
  if (update) {
    app.openapi(
      createRoute({
        method: 'patch',
        path: '/{id}',
        tags,
        summary: update.summary,
        request: { params: IdParam, body: jsonBody(update.body) },
        responses: { 200: json(schema), ...errorResponses, ...notFoundResponse, ...conflicts },
      }),
      (async (c: Ctx) => {
        return c.json(await update.run(emFor(deps), idOf(c), bodyOf<z.output<Changes>>(c), actorOf(c, deps)), 200);
      }) as never,
    );
  }
  if (remove) {
    app.openapi(
      createRoute({
        method: 'delete',
        path: '/{id}',
        tags,
        summary: remove.summary,
        request: { params: IdParam },
        responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      (async (c: Ctx) => {
        await remove.run(emFor(deps), idOf(c), actorOf(c, deps));
        return c.body(null, 204);
      }) as never,
    );
  }
}
