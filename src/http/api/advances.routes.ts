import { createRoute, z } from '@hono/zod-openapi';
import { ADVANCE_STATUSES } from '../../domain/advances/cash-advance.entity.js';
import {
  approveAdvance,
  getAdvance,
  listAdvances,
  recordOfficeAdvance,
  rejectAdvance,
  reverseAdvance,
} from '../../domain/advances/advances.service.js';
import { requireRole } from '../auth/session.js';
import { tellAdvanceAll as tellAdvance } from '../../chat/corrections.js';
import { emFor, officeActor } from '../request.js';
import {
  conflictResponse,
  errorResponses,
  IdParam,
  IsoDate,
  json,
  jsonBody,
  Money,
  MoneyInput,
  newRouter,
  notFoundResponse,
  pageOf,
  PageQuery,
  type ApiResource,
} from './router.js';

export const AdvanceSchema = z
  .object({
    id: z.uuid(),
    ref: z.string().openapi({ example: 'A12', description: 'The short reference of replies and chat commands' }),
    farmer: z.object({ id: z.uuid(), code: z.string(), name: z.string() }),
    amount: Money,
    reason: z.string().nullable(),
    status: z.enum(ADVANCE_STATUSES),
    recordedBy: z.string().nullable().openapi({ description: 'Email of who recorded it' }),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    reversedAt: z.string().nullable(),
    reversalReason: z.string().nullable(),
    amountRecovered: Money.openapi({ description: 'Recovered by settlements so far' }),
    createdAt: z.string(),
  })
  .openapi('Advance');

const Filter = z.object({
  status: z.enum(ADVANCE_STATUSES).optional(),
  farmerId: z.uuid().optional(),
  from: IsoDate.optional().openapi({ description: 'Recorded on or after this market date' }),
  to: IsoDate.optional().openapi({ description: 'Recorded on or before this market date' }),
});
const NewAdvance = z
  .object({
    farmerId: z.uuid(),
    amount: MoneyInput,
    reason: z.string().trim().max(500).nullable().optional(),
    confirm: z
      .boolean()
      .optional()
      .openapi({ description: 'Record it even above advance_confirm_limit (otherwise 422 CONFIRMATION_REQUIRED with the limit)' }),
  })
  .strict();
const Rejection = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

const tags = ['Advances'];
const admin = requireRole('admin');

export const advancesResource: ApiResource = {
  path: '/advances',
  routes(deps) {
    const app = newRouter();
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Advances, newest first (admin)',
        middleware: [admin] as const,
        request: { query: PageQuery.extend(Filter.shape) },
        responses: { 200: json(pageOf(AdvanceSchema)), ...errorResponses },
      }),
      async (c) => c.json(await listAdvances(emFor(deps), { ...c.req.valid('query'), timeZone: deps.config.marketTimeZone }), 200),
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags,
        summary: 'One advance (admin)',
        middleware: [admin] as const,
        request: { params: IdParam },
        responses: { 200: json(AdvanceSchema), ...errorResponses, ...notFoundResponse },
      }),
      async (c) => c.json(await getAdvance(emFor(deps), c.req.valid('param').id), 200),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary:
          'Give a farmer an advance (admin or staff). Admins\u2019 are approved at once; staff\u2019s above the advance_auto_approve_limit setting stay pending. ' +
          'An approved advance moves the farmer\u2019s balance and the farmer is told. Above advance_confirm_limit: 422 CONFIRMATION_REQUIRED unless confirm: true',
        middleware: [requireRole('admin', 'staff')] as const,
        request: { body: jsonBody(NewAdvance) },
        responses: { 201: json(AdvanceSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const advance = await recordOfficeAdvance(
          emFor(deps),
          { farmerId: body.farmerId, amount: body.amount, reason: body.reason || null, at: new Date(), confirmed: body.confirm ?? false },
          officeActor(c, deps),
          tellAdvance,
        );
        return c.json(advance, 201);
      },
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/approve',
        tags,
        summary: 'Approve a pending advance (admin): the farmer\u2019s total advances and balance move, and the farmer is told',
        middleware: [admin] as const,
        request: { params: IdParam },
        responses: { 200: json(AdvanceSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) =>
        c.json(await approveAdvance(emFor(deps), { advanceId: c.req.valid('param').id, at: new Date() }, officeActor(c, deps), tellAdvance), 200),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/reject',
        tags,
        summary: 'Reject a pending advance with a reason (admin); the farmer is told',
        middleware: [admin] as const,
        request: { params: IdParam, body: jsonBody(Rejection) },
        responses: { 200: json(AdvanceSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) =>
        c.json(
          await rejectAdvance(
            emFor(deps),
            { advanceId: c.req.valid('param').id, reason: c.req.valid('json').reason, at: new Date() },
            officeActor(c, deps),
            tellAdvance,
          ),
          200,
        ),
    );
    app.openapi(
      createRoute({
        method: 'post',
        path: '/{id}/reverse',
        tags,
        summary:
          'Reverse an approved advance given by mistake, with a reason (admin): the farmer\u2019s total advances and balance move back and the farmer is told. ' +
          'Refused (409 ADVANCE_RECOVERED, with amount, recovered and outstanding) once a settlement has recovered any of it: correct that part with an adjustment',
        middleware: [admin] as const,
        request: { params: IdParam, body: jsonBody(Rejection) },
        responses: { 200: json(AdvanceSchema), ...errorResponses, ...notFoundResponse, ...conflictResponse },
      }),
      async (c) =>
        c.json(
          await reverseAdvance(
            emFor(deps),
            { advanceId: c.req.valid('param').id, reason: c.req.valid('json').reason, at: new Date() },
            officeActor(c, deps),
            tellAdvance,
          ),
          200,
        ),
    );
    return app;
  },
};
