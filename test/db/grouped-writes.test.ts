// The group commit helper on its own: what arrives while a write is in flight goes in the next group.
import { describe, expect, it } from 'vitest';
import { GroupedWrites } from '../../src/db/grouped-writes.js';

/** A store whose writes finish only when told to, recording each statement it was asked for. */
function heldStore(refuse: (item: string) => boolean = () => false) {
  const statements: string[][] = [];
  const pending: (() => void)[] = [];
  const run = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      statements.push(items);
      pending.push(() => (items.some(refuse) ? reject(new Error(`refused ${items.join(',')}`)) : resolve(items.map((i) => i.toUpperCase()))));
    });
  const writes = new GroupedWrites<string, string>({
    writeGroup: run,
    writeOne: async (item) => (await run([item]))[0]!,
    weight: (item) => item.length,
    maxGroup: 4,
  });
  const release = async () => {
    while (!pending.length) await new Promise((r) => setImmediate(r));
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { writes, statements, release };
}

describe('GroupedWrites', () => {
  it('writes alone at once; what arrives meanwhile goes together next, within the group budget', async () => {
    const s = heldStore();
    const first = s.writes.write('a');
    const rest = ['b', 'c', 'dd', 'e'].map((i) => s.writes.write(i));
    await s.release();
    await s.release();
    await s.release();
    expect(await first).toBe('A');
    expect(await Promise.all(rest)).toEqual(['B', 'C', 'DD', 'E']);
    // 'e' did not fit the budget of 4 after b + c + dd.
    expect(s.statements).toEqual([['a'], ['b', 'c', 'dd'], ['e']]);
  });

  it('a group the store refuses is tried item by item, so only the bad item fails', async () => {
    const s = heldStore((i) => i === 'x');
    const first = s.writes.write('a');
    const rest = Promise.allSettled(['b', 'x', 'c'].map((i) => s.writes.write(i)));
    for (let k = 0; k < 5; k++) await s.release();
    expect(await first).toBe('A');
    expect(await rest).toEqual([
      { status: 'fulfilled', value: 'B' },
      { status: 'rejected', reason: new Error('refused x') },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(s.statements).toEqual([['a'], ['b', 'x', 'c'], ['b'], ['x'], ['c']]);
  });
});
