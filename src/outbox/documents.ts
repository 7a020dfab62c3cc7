// What a document notification turns into: a settlement statement rendered now (the same settlement always
// renders the same figures), or a file already written under DATA_DIR. A statement's caption is worded here,
// when it is sent: the domain queues only facts (which statement, in which language).
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Language } from '../domain/columns.js';
import { formatRupees } from '../domain/money.js';
import type { NotificationPayload } from '../domain/notifications/notification.entity.js';
import { displayDate, type StatementSummary } from '../domain/settlements/statement-data.js';
import {
  markStatementSent,
  renderStatementDocument,
  type StatementDocument,
  type StatementPayload,
} from '../domain/settlements/statement.service.js';
import { translator } from '../i18n.js';
import { inlineRenderer, type StatementRenderer } from '../pdf/render-pool.js';
import { fileDocumentResolver, type DocumentResolver } from './outbox-worker.js';

/** A statement's caption (the WhatsApp document's text) in the given language, from the figures it shows. */
export function statementCaption(data: StatementSummary, language: Language = data.language): string {
  const t = translator(language);
  const values = {
    number: data.settlementNumber,
    from: displayDate(data.periodStart),
    to: displayDate(data.periodEnd),
    net: formatRupees(data.netPayable),
  };
  return t(data.kind === 'provisional' ? 'statement.captionProvisional' : 'statement.caption', values);
}

/**
 * A 'statement' notification's payload → the document to send, captioned in the payload's language (the
 * asker's, or the farmer's), else the farmer's. A caption stored by a row queued before captions moved here
 * is sent as it is.
 */
export async function statementDocument(
  em: EntityManager,
  payload: StatementPayload,
  timeZone: string,
  renderer: StatementRenderer,
): Promise<Omit<StatementDocument, 'data'> & { caption: string; freeAfterSend: true }> {
  const { data, ...doc } = await renderStatementDocument(em, payload, timeZone, renderer);
  return { ...doc, caption: payload.caption ?? statementCaption(data, payload.language ?? data.language), freeAfterSend: true };
}

export function ledgerDocumentResolver(options: {
  orm: MikroORM;
  dataDir: string;
  timeZone: string;
  renderer?: StatementRenderer;
}): DocumentResolver {
  const files = fileDocumentResolver(options.dataDir);
  return async (payload) => {
    if (payload.documentPath) return files(payload);
    return statementDocument(
      options.orm.em.fork() as EntityManager,
      payload as StatementPayload,
      options.timeZone,
      options.renderer ?? inlineRenderer,
    );
  };
}

/** After a settlement's statement has gone out, stamp the settlement's sent_at (once). */
export async function afterLedgerDocumentSent(orm: MikroORM, notification: { type: string; payload: NotificationPayload }) {
  if (notification.type === 'statement' && typeof notification.payload.settlementId === 'string') {
    await markStatementSent(orm.em.fork(), notification.payload.settlementId, new Date());
  }
}
