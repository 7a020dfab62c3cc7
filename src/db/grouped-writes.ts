// Group commit for writes that arrive one by one: while one statement is on its way to the database, the
// writes that arrive queue up, and the next statement carries all of them. Under load that is one round trip
// and one commit for many writes instead of one each; alone, a write waits for nothing. Each caller learns
// only once its own write is committed, so what it then says (an ack, a "sent") keeps its meaning.

export interface GroupedWritesOptions<T, R> {
  /** Writes a whole group in one statement; one result per item, in order. */
  writeGroup: (items: T[]) => Promise<R[]>;
  /** Writes one item alone: after a group failed, each of its items is tried alone, so one bad item fails alone. */
  writeOne: (item: T) => Promise<R>;
  /** How much of the group's budget an item takes (default 1). */
  weight?: (item: T) => number;
  /** Most weight in one group. */
  maxGroup: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export class GroupedWrites<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private writing = false;

  constructor(private readonly o: GroupedWritesOptions<T, R>) {}

  /** Resolves with the item's result once it is committed. */
  write(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    const weight = this.o.weight ?? (() => 1);
    try {
      while (this.waiting.length) {
        const group: Waiting<T, R>[] = [];
        let size = 0;
        while (this.waiting.length && (group.length === 0 || size + weight(this.waiting[0]!.item) <= this.o.maxGroup)) {
          const next = this.waiting.shift()!;
          size += weight(next.item);
          group.push(next);
        }
        await this.flush(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async flush(group: Waiting<T, R>[]): Promise<void> {
    if (group.length === 1) return this.o.writeOne(group[0]!.item).then(group[0]!.resolve, group[0]!.reject);
    let results: R[];
    try {
      results = await this.o.writeGroup(group.map((w) => w.item));
    } catch {
      for (const w of group) await this.o.writeOne(w.item).then(w.resolve, w.reject);
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]!));
  }
}
