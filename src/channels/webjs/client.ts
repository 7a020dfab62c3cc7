// The real whatsapp-web.js pieces: a Client with its session under DATA_DIR and the browser from
// CHROME_PATH, MessageMedia for documents, and the QR code printed in the terminal.
import path from 'node:path';
import qrcode from 'qrcode-terminal';
import wweb from 'whatsapp-web.js';
import type { WebjsClient, WebjsMedia } from './webjs-channel.js';

export interface RealClientOptions {
  dataDir: string;
  chromePath: string | undefined;
}

export function sessionDir(dataDir: string): string {
  return path.join(dataDir, 'whatsapp-session');
}

export function createRealClient(o: RealClientOptions): wweb.Client {
  return new wweb.Client({
    authStrategy: new wweb.LocalAuth({ dataPath: sessionDir(o.dataDir), clientId: 'malar-ledger' }),
    puppeteer: {
      headless: true,
      ...(o.chromePath ? { executablePath: o.chromePath } : {}),
      // Containers usually run as root without a user namespace sandbox.
      args: ['--no-sandbox', '--disable-setuid-sandbox', '--disable-dev-shm-usage'],
    },
  });
}

export function createRealMedia(mimeType: string, base64: string, filename: string): WebjsMedia {
  return new wweb.MessageMedia(mimeType, base64, filename, Math.floor((base64.length * 3) / 4));
}

export function printQr(qr: string): void {
  qrcode.generate(qr, { small: true });
}

/** The real client seen through the adapter's interface (its typings are wider than what we use). */
export const asWebjsClient = (c: wweb.Client): WebjsClient => c as unknown as WebjsClient;
