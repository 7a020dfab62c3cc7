// What a document notification turns into: a settlement statement rendered now (the same settlement always
// renders the same figures), or a file already written under DATA_DIR.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { NotificationPayload } from '../domain/notifications/notification.entity.js';
import { markStatementSent, renderStatementDocument, type StatementPayload } from '../domain/settlements/statement.service.js';
import { inlineRenderer, type StatementRenderer } from '../pdf/render-pool.js';
import { fileDocumentResolver, type DocumentResolver } from './outbox-worker.js';

export function ledgerDocumentResolver(options: { orm: MikroORM; dataDir: string; timeZone: string; renderer?: StatementRenderer }): DocumentResolver {
  const files = fileDocumentResolver(options.dataDir);
  return async (payload) => {
    if (payload.documentPath) return files(payload);
    return renderStatementDocument(options.orm.em.fork(), payload as StatementPayload, options.timeZone, options.renderer ?? inlineRenderer);
  };
}

/** After a settlement's statement has gone out, stamp the settlement's sent_at (once). */
export async function afterLedgerDocumentSent(orm: MikroORM, notification: { type: string; payload: NotificationPayload }) {
  if (notification.type === 'statement' && typeof notification.payload.settlementId === 'string') {
    await markStatementSent(orm.em.fork(), notification.payload.settlementId, new Date());
  }
}
