import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, createApiHarness, type ApiHarness } from '../support/api.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

describe('OpenAPI and docs', () => {
  it('serves an OpenAPI 3.1 document describing every resource, money as strings', async () => {
    const res = await h.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = await body(res);
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/auth/login',
      '/auth/me',
      '/rates',
      '/rates/{date}',
      '/rates/history/{flowerTypeId}',
      '/farmers',
      '/farmers/{id}',
      '/flower-types',
      '/time-slots/{id}',
      '/settings/public',
      '/settings/{key}',
      '/entries',
      '/entries/export.csv',
      '/security-logs',
      '/users/{id}/password',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(doc.components.schemas.Farmer.properties.currentBalance.type).toBe('string');
    expect(doc.paths['/rates/{date}'].put.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/SetRates');
  });

  it('describes advances, settlements and entry recording, money as 2-decimal strings', async () => {
    const doc = await body(await h.call('GET', '/api/openapi.json'));
    const ops = [
      ['get', '/advances'],
      ['post', '/advances'],
      ['get', '/advances/{id}'],
      ['post', '/advances/{id}/approve'],
      ['post', '/advances/{id}/reject'],
      ['get', '/settlements'],
      ['get', '/settlements/{id}'],
      ['post', '/settlements/run'],
      ['get', '/settlements/{id}/statement.pdf'],
      ['post', '/settlements/{id}/paid'],
      ['post', '/entries'],
      ['post', '/entries/{id}/void'],
    ];
    for (const [method, path] of ops) {
      const op = doc.paths[path!]?.[method!];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403', '422']));
    }
    for (const [schema, field] of [
      ['Advance', 'amount'],
      ['Settlement', 'netPayable'],
      ['SettlementItem', 'amount'],
      ['Entry', 'netAmount'],
    ]) {
      const prop = doc.components.schemas[schema!].properties[field!];
      expect(prop.type, `${schema}.${field}`).toBe('string');
      expect(prop.pattern, `${schema}.${field}`).toBe('^-?\\d+\\.\\d{2}$');
    }
    expect(Object.keys(doc.paths['/settlements/{id}/statement.pdf'].get.responses['200'].content)).toEqual(['application/pdf']);
    const page = await (await h.call('GET', '/api/docs')).text();
    expect(page).toContain('<code>/api/settlements/{id}/statement.pdf</code>');
    expect(page).toContain('<code>/api/advances/{id}/approve</code>');
  });

  it('a docs page listing the operations, with no outside resources', async () => {
    const res = await h.call('GET', '/api/docs');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<code>/api/farmers/{id}</code>');
    expect(page).toContain('Set rates effective from a date');
    expect(page).not.toMatch(/<script|https?:\/\/(?!localhost)/);
  });
});

describe('the error mapper', () => {
  it('an unexpected error is a 500 with the request id and nothing internal', async () => {
    const { ADMIN } = await import('../support/api.js');
    const { sql } = await import('../support/sql.js');
    const token = await h.login(ADMIN);
    // A real fault the code does not expect: the table it reads is gone.
    await sql(h.t.db, 'alter table farmers rename to farmers_hidden');
    let res: Response;
    try {
      res = await h.call('GET', '/api/farmers', { token, headers: { 'x-request-id': 'req-123' } });
    } finally {
      await sql(h.t.db, 'alter table farmers_hidden rename to farmers');
    }
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL', message: 'Something went wrong on our side. Please try again.', requestId: 'req-123' },
    });
    expect(text).not.toMatch(/farmers|relation|select/);
  });

  it('an unknown route is a JSON 404; malformed JSON is a 4xx JSON answer, not a 500', async () => {
    const res = await h.call('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect((await body(res)).error.code).toBe('NOT_FOUND');
    const bad = await h.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect((await body(bad)).error.code).toMatch(/BAD_REQUEST|VALIDATION_FAILED/);
  });
});
