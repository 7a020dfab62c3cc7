// A stand-in for whatsapp-web.js's Client: the same events and calls, no browser and no WhatsApp servers.
import { EventEmitter } from 'node:events';
import type { WebjsClient, WebjsMedia, WebjsMessage } from '../../src/channels/webjs/webjs-channel.js';

/** Behaves like whatsapp-web.js's Client from the outside: events, initialize/destroy, lookups, sends. */
export class StandInClient extends EventEmitter implements WebjsClient {
  initialized = 0;
  destroyed = 0;
  sent: { chatId: string; content: string | WebjsMedia; options?: { caption?: string; sendMediaAsDocument?: boolean } }[] = [];
  lids = new Map<string, string>();
  registered = new Set<string>(['919876543211', '919876543212']);
  /** Every "typing…" shown and every message sent, in order, with the (fake) time it happened. */
  events: { what: 'typing' | 'send'; chatId: string; at: number }[] = [];
  now: () => number = () => Date.now();
  failSend = false;
  hangSend = false;

  async initialize() {
    this.initialized += 1;
  }
  async destroy() {
    this.destroyed += 1;
  }
  async sendMessage(chatId: string, content: string | WebjsMedia, options?: { caption?: string; sendMediaAsDocument?: boolean }) {
    if (this.failSend) throw new Error('Evaluation failed: page crashed');
    if (this.hangSend) return new Promise<never>(() => {});
    this.sent.push({ chatId, content, options });
    this.events.push({ what: 'send', chatId, at: this.now() });
    return { id: { _serialized: `true_${chatId}_3EB0${this.sent.length}` } };
  }
  async getChatById(chatId: string) {
    return { sendStateTyping: async () => void this.events.push({ what: 'typing', chatId, at: this.now() }) };
  }
  async getNumberId(number: string) {
    return this.registered.has(number) ? { _serialized: `${number}@c.us` } : null;
  }
  async getContactLidAndPhone(userIds: string[]) {
    return userIds.filter((id) => this.lids.has(id)).map((lid) => ({ lid, pn: this.lids.get(lid)! }));
  }
  /** What WhatsApp Web would emit for an incoming message. */
  receive(m: Partial<WebjsMessage> & { from: string }) {
    const msg: WebjsMessage = {
      id: { _serialized: `false_${m.from}_${Math.random().toString(16).slice(2)}` },
      fromMe: false,
      body: '',
      type: 'chat',
      timestamp: 1795000000,
      ...m,
    };
    this.emit('message', msg);
    return msg;
  }
}
