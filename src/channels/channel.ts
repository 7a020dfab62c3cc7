// What every WhatsApp engine (Cloud API, whatsapp-web.js, the console) offers the rest of the service.
import type { InboundMessage } from '../domain/inbox/inbound.js';
import type { Choices } from '../domain/notifications/choices.js';

export interface OutboundText {
  to: string;
  text: string;
  /** Buttons or a list to tap; a channel without them shows a numbered menu and calls rememberMenu. */
  choices?: Choices;
}

/** Records the numbered menu a person was shown as text, so a reply of a number runs its command. */
export type RememberMenu = (phone: string, commands: string[]) => Promise<void>;

export interface OutboundDocument {
  to: string;
  bytes: Uint8Array;
  filename: string;
  mimeType: string;
  caption?: string;
}

export interface SendResult {
  providerMessageId: string;
  /** Set when the channel had to send this approved template instead (outside the 24-hour window). */
  template?: string;
}

/** A send that failed. retryable: try again later (rate limit, 5xx, timeout); otherwise give up now. */
export class ChannelSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}

export interface ChannelStatus {
  ok: boolean;
  detail?: string;
}

export interface Channel {
  readonly name: 'cloud' | 'webjs' | 'console';
  /** Begins receiving; each message is handed to onInbound (which stores it before anything else). */
  start(onInbound: (message: InboundMessage) => Promise<void>): Promise<void>;
  sendText(message: OutboundText): Promise<SendResult>;
  sendDocument(message: OutboundDocument): Promise<SendResult>;
  status(): ChannelStatus;
  stop(): Promise<void>;
}
