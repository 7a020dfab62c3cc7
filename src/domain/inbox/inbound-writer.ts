// The webhook's store: deliveries that arrive together are stored by one INSERT (src/db/grouped-writes.ts).
import type { MikroORM } from '@mikro-orm/postgresql';
import { GroupedWrites } from '../../db/grouped-writes.js';
import { storeInboundGroups, storeInboundMany, type InboundMessage } from './inbound.js';

/** Most messages in one INSERT (8 parameters each, far below PostgreSQL's 65,535). */
const MAX_GROUP_MESSAGES = 500;

export class InboundWriter {
  private readonly writes: GroupedWrites<InboundMessage[], string[]>;

  constructor(orm: MikroORM) {
    this.writes = new GroupedWrites({
      writeGroup: (deliveries) => storeInboundGroups(orm.em.fork(), deliveries),
      writeOne: (messages) => storeInboundMany(orm.em.fork(), messages),
      weight: (messages) => messages.length,
      maxGroup: MAX_GROUP_MESSAGES,
    });
  }

  /** Ids of the delivery's newly stored messages, in order, once they are committed. */
  store(messages: InboundMessage[]): Promise<string[]> {
    if (!messages.length) return Promise.resolve([]);
    return this.writes.write(messages);
  }
}
