// The one-message claim that also reads the reference data claims exactly what the general claim claims (the
// sender's earlier open messages too, in id order) and primes the same reference data; an outcome recorded with
// waitForFlush: false makes that transaction's commit asynchronous, and only that transaction's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { claimInboundInOrder, claimInboundWithReferenceData, recordInboundOutcome } from '../../src/domain/inbox/claims.js';
import { storeInbound } from '../../src/domain/inbox/inbound.js';
import { activeFlowers } from '../../src/domain/flowers/flower.service.js';
import { withReferenceCache } from '../../src/domain/reference-cache.js';
import { primeReferenceData } from '../../src/domain/reference-data.js';
import { getStringSetting } from '../../src/domain/settings/settings.service.js';
import { activeSlots } from '../../src/domain/slots/slot.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

let n = 0;
const store = async (sender: string) =>
  (
    await storeInbound(t.db.orm.em.fork(), {
      channel: 'cloud',
      providerMessageId: `wamid.claims.${++n}`,
      sender,
      senderPhone: `+${sender}`,
      text: 'bal',
      mediaKind: null,
      receivedAt: new Date(),
    })
  ).id;

const referenceSeen = async (em: EntityManager) => ({
  flowers: await activeFlowers(em),
  slots: await activeSlots(em),
  commission: await getStringSetting(em, 'commission_rate'),
});

describe('claimInboundWithReferenceData', () => {
  it('claims what claimInboundInOrder claims and primes the reference data primeReferenceData primes', async () => {
    const first = await store('919800000001');
    await store('919800000002'); // another sender: not claimed with the others
    const second = await store('919800000001');
    const third = await store('919800000001'); // later than the one asked for: not claimed

    const fused = await withReferenceCache(() =>
      t.db.orm.em.fork().transactional(async (em) => {
        const rows = await claimInboundWithReferenceData(em, second);
        return { rows, reference: await referenceSeen(em) };
      }),
    );
    const plain = await withReferenceCache(() =>
      t.db.orm.em.fork().transactional(async (em) => {
        const rows = await claimInboundInOrder(em, [second]);
        await primeReferenceData(em);
        return { rows, reference: await referenceSeen(em) };
      }),
    );
    expect(fused.rows.map((r) => r.id)).toEqual([first, second]);
    expect(fused.rows).toEqual(plain.rows);
    expect(fused.reference).toEqual(plain.reference);
    expect(fused.reference.commission).toBe('5.0');
    expect(fused.reference.flowers.length).toBeGreaterThan(0);
    expect(third).not.toBe(second);
  });

  it('claims nothing once the message has an outcome', async () => {
    const id = await store('919800000003');
    await t.db.orm.em.fork().transactional((em) => recordInboundOutcome(em, id, 'done'));
    const rows = await t.db.orm.em.fork().transactional((em) => claimInboundWithReferenceData(em, id));
    expect(rows).toEqual([]);
  });
});

describe('recordInboundOutcome', () => {
  const commitModeAfter = async (waitForFlush: boolean | undefined) => {
    const id = await store('919800000004');
    return t.db.orm.em.fork().transactional(async (em) => {
      await recordInboundOutcome(em, id, 'done', waitForFlush === undefined ? {} : { waitForFlush });
      const [row] = await em.execute<{ mode: string; outcome: string }[]>(
        `select current_setting('synchronous_commit') as mode, (select outcome from inbound_messages where id = ?) as outcome`,
        [id],
      );
      return row!;
    });
  };

  it('leaves the commit durable by default and makes it asynchronous for that transaction alone on request', async () => {
    expect(await commitModeAfter(undefined)).toEqual({ mode: 'on', outcome: 'done' });
    expect(await commitModeAfter(true)).toEqual({ mode: 'on', outcome: 'done' });
    expect(await commitModeAfter(false)).toEqual({ mode: 'off', outcome: 'done' });
    // SET LOCAL ends with its transaction: the pooled connection is durable again.
    const [after] = await t.db.orm.em.fork().execute<{ mode: string }[]>(`select current_setting('synchronous_commit') as mode`);
    expect(after!.mode).toBe('on');
  });
});
