// The console transport inside the running service. Messages come in from the try-it page (/try) and the terminal
// chat (npm run chat), stored and handed to the inbox exactly as the Cloud API webhook does. What the outbox sends
// is handed here and counts as delivered at once: the page reads sent messages back from the outbox
// (domain/notifications/feed.ts), so several tabs and a terminal see one conversation, on any replica.
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelStatus, OutboundDocument, OutboundText, RememberMenu, SendResult } from '../channel.js';
import type { InboundMessage } from '../../domain/inbox/inbound.js';

export class WebConsoleChannel implements Channel {
  readonly name = 'console' as const;
  private onInbound: ((message: InboundMessage) => Promise<void>) | null = null;
  private sent = 0;

  /** The page and the terminal show buttons and lists as numbered choices: remembered so the number runs it. */
  constructor(private readonly options: { rememberMenu?: RememberMenu } = {}) {}

  async start(onInbound: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.onInbound = onInbound;
  }

  async sendText(message: OutboundText): Promise<SendResult> {
    if (message.choices)
      await this.options.rememberMenu?.(
        message.to,
        message.choices.items.map((c) => c.id),
      );
    return { providerMessageId: `console-out-${randomUUID()}-${++this.sent}` };
  }

  async sendDocument(_message: OutboundDocument): Promise<SendResult> {
    return { providerMessageId: `console-out-${randomUUID()}-${++this.sent}` };
  }

  status(): ChannelStatus {
    return { ok: this.onInbound !== null, detail: `console (try-it page and npm run chat), ${this.sent} sent` };
  }

  async stop(): Promise<void> {
    this.onInbound = null;
  }
}
