// Group insert of webhook deliveries: while one INSERT is on its way to the database, deliveries that arrive
// queue up, and the next INSERT stores all of them at once. Under load that is one round trip and one commit
// for many deliveries instead of one each; alone, a delivery waits for nothing. Each caller still learns only
// once its own messages are durably stored, so the webhook's 200 keeps its meaning.
import type { MikroORM } from '@mikro-orm/postgresql';
import { storeInboundGroups, storeInboundMany, type InboundMessage } from './inbound.js';

interface Waiting {
  messages: InboundMessage[];
  resolve: (ids: string[]) => void;
  reject: (err: unknown) => void;
}

/** Most messages in one INSERT (8 parameters each, far below PostgreSQL's 65,535). */
const MAX_GROUP_MESSAGES = 500;

export class InboundWriter {
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly orm: MikroORM) {}

  /** Ids of the delivery's newly stored messages, in order, once they are committed. */
  store(messages: InboundMessage[]): Promise<string[]> {
    if (!messages.length) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const group: Waiting[] = [];
        let size = 0;
        while (this.waiting.length && (group.length === 0 || size + this.waiting[0]!.messages.length <= MAX_GROUP_MESSAGES)) {
          const next = this.waiting.shift()!;
          size += next.messages.length;
          group.push(next);
        }
        await this.write(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(group: Waiting[]): Promise<void> {
    try {
      const ids = await storeInboundGroups(
        this.orm.em.fork(),
        group.map((w) => w.messages),
      );
      group.forEach((w, i) => w.resolve(ids[i]!));
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
      // One delivery's trouble must not fail the others: each on its own.
      for (const w of group) await storeInboundMany(this.orm.em.fork(), w.messages).then(w.resolve, w.reject);
    }
  }
}
