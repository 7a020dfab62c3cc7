// The terminal as a WhatsApp stand-in: each typed (or piped) line is one message from the chosen phone; what the
// bot sends is printed, and documents are written to a folder with their path printed.
//
// Input rules (docs/chat.md): one line = one message. A line with only """ starts a multi-line message and the next
// line with only """ ends it. /from <phone> changes the sender, /at <HH:MM> sets the market clock, /quit leaves.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Channel, ChannelStatus, OutboundDocument, OutboundText, RememberMenu, SendResult } from '../channel.js';
import { numberedMenu } from '../../domain/notifications/choices.js';
import type { InboundMessage } from '../../domain/inbox/inbound.js';
import { normalizePhone } from '../../domain/phone.js';

export interface ConsoleChannelOptions {
  input: Readable;
  output: Writable;
  from: string;
  documentsDir: string;
  /** The market clock for messages: fixed by /at or --at, otherwise the real time. */
  clock?: () => Date;
  /** Turns '05:40' into an instant of today in the market's zone. */
  parseClock?: (value: string) => Date | null;
  interactive?: boolean;
  /** Buttons and lists are printed as numbered choices; remembered so that typing the number runs it. */
  rememberMenu?: RememberMenu;
}

export const MULTILINE_FENCE = '"""';

export class ConsoleChannel implements Channel {
  readonly name = 'console' as const;
  private counter = 0;
  private from: string;
  private fixedTime: Date | null = null;
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private rl: readline.Interface | null = null;

  constructor(private readonly options: ConsoleChannelOptions) {
    const phone = normalizePhone(options.from);
    if (!phone) throw new Error(`--from ${options.from} is not a phone number`);
    this.from = phone;
  }

  get sender() {
    return this.from;
  }

  print(line: string) {
    this.options.output.write(`${line}\n`);
  }

  async start(onInbound: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.running = true;
    const rl = readline.createInterface({ input: this.options.input, terminal: false });
    this.rl = rl;
    const prompt = () => {
      if (this.options.interactive) this.options.output.write(`${this.from} > `);
    };
    this.done = (async () => {
      let block: string[] | null = null;
      prompt();
      for await (const raw of rl) {
        const line = raw.replace(/\r$/, '');
        if (block) {
          if (line.trim() === MULTILINE_FENCE) {
            await this.deliver(block.join('\n'), onInbound);
            block = null;
            prompt();
          } else block.push(line);
          continue;
        }
        if (line.trim() === MULTILINE_FENCE) {
          block = [];
          continue;
        }
        if (line.startsWith('/')) {
          if (!this.command(line.trim())) break;
          prompt();
          continue;
        }
        await this.deliver(line, onInbound);
        prompt();
      }
      if (block) await this.deliver(block.join('\n'), onInbound);
      this.running = false;
    })();
  }

  /** Resolves when the input has ended (end of pipe, /quit or Ctrl-D). */
  finished(): Promise<void> {
    return this.done;
  }

  private command(line: string): boolean {
    const [name, arg = ''] = line.split(/\s+/, 2);
    if (name === '/quit' || name === '/exit') return false;
    if (name === '/from') {
      const phone = normalizePhone(arg);
      if (phone) this.from = phone;
      this.print(phone ? `(now writing as ${phone})` : `(not a phone number: ${arg})`);
    } else if (name === '/at') {
      const at = this.options.parseClock?.(arg) ?? null;
      this.fixedTime = at;
      this.print(at ? `(market clock set to ${arg})` : '(market clock follows the real time)');
    } else {
      this.print('(commands: /from <phone>, /at <HH:MM>, /quit; """ on its own line starts and ends a multi-line message)');
    }
    return true;
  }

  private async deliver(text: string, onInbound: (message: InboundMessage) => Promise<void>) {
    if (text.trim() === '') return;
    await onInbound({
      channel: 'console',
      providerMessageId: `console-${Date.now()}-${process.pid}-${++this.counter}`,
      sender: this.from,
      senderPhone: this.from,
      text,
      mediaKind: null,
      receivedAt: this.fixedTime ?? this.options.clock?.() ?? new Date(),
    });
  }

  async sendText(message: OutboundText): Promise<SendResult> {
    const who = message.to === this.from ? 'you' : message.to;
    this.print(`  bot → ${who}:`);
    const text = message.choices ? numberedMenu(message.text, message.choices) : message.text;
    for (const l of text.split('\n')) this.print(`    ${l}`);
    if (message.choices)
      await this.options.rememberMenu?.(
        message.to,
        message.choices.items.map((c) => c.id),
      );
    return { providerMessageId: `console-out-${Date.now()}-${++this.counter}` };
  }

  async sendDocument(message: OutboundDocument): Promise<SendResult> {
    fs.mkdirSync(this.options.documentsDir, { recursive: true });
    const file = path.join(this.options.documentsDir, `${Date.now()}-${path.basename(message.filename)}`);
    fs.writeFileSync(file, message.bytes);
    const who = message.to === this.from ? 'you' : message.to;
    this.print(`  bot → ${who}: document ${message.filename} saved to ${file}${message.caption ? ` (${message.caption})` : ''}`);
    return { providerMessageId: `console-out-${Date.now()}-${++this.counter}` };
  }

  status(): ChannelStatus {
    return { ok: this.running, detail: this.running ? `console, writing as ${this.from}` : 'console stopped' };
  }

  async stop(): Promise<void> {
    this.rl?.close();
    await this.done;
  }
}
