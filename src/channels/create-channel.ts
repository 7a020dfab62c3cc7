// Chooses the WhatsApp engine the configuration names and gives it what it needs from the database.
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { lastInboundAt, refuseInbound } from '../domain/inbox/inbound.js';
import { localDate } from '../domain/market-time.js';
import { rememberMenu } from '../domain/menus/menus.js';
import { applyProviderStatus } from '../domain/notifications/delivery.js';
import { getStringSetting } from '../domain/settings/settings.service.js';
import type { Channel } from './channel.js';
import { CloudApiChannel, CUSTOMER_WINDOW_MS } from './cloud-api/cloud-channel.js';
import { WebConsoleChannel } from './console/web-console-channel.js';
import { WebjsChannel, type WebjsClient } from './webjs/webjs-channel.js';

export interface ChannelDeps {
  db: Database;
  logger: Logger;
  /** Tests replace the whatsapp-web.js client with a stand-in. */
  createWebjsClient?: () => WebjsClient;
}

/** A little short of 24 hours, so a message sent at the edge is not refused by Meta. */
const WINDOW_SAFETY_MS = 10 * 60_000;

/** The channel for config.whatsapp.transport; 'console' is the try-it page's and the terminal chat's. */
export async function createChannel(config: Config, deps: ChannelDeps): Promise<Channel> {
  const { db, logger } = deps;
  const w = config.whatsapp;
  const remember = (phone: string, commands: string[]) => rememberMenu(db.orm.em.fork(), phone, commands);
  switch (w.transport) {
    case 'cloud':
      return new CloudApiChannel({
        apiBaseUrl: w.apiBaseUrl,
        accessToken: w.accessToken!,
        phoneNumberId: w.phoneNumberId!,
        logger: logger.child({ component: 'cloud-sender' }),
        rememberMenu: remember,
        windowOpen: async (phone) => {
          const last = await lastInboundAt(db.orm.em.fork(), phone);
          return last !== null && Date.now() - last.getTime() < CUSTOMER_WINDOW_MS - WINDOW_SAFETY_MS;
        },
        templates: async () => {
          const em = db.orm.em.fork();
          const language = await getStringSetting(em, 'whatsapp_template_language');
          return {
            text: { name: await getStringSetting(em, 'whatsapp_text_template_name'), language },
            document: { name: await getStringSetting(em, 'whatsapp_template_name'), language },
          };
        },
      });
    case 'webjs': {
      // Loaded only when used: whatsapp-web.js pulls in puppeteer, which is slow to import.
      const { asWebjsClient, createRealClient, createRealMedia, printQr } = await import('./webjs/client.js');
      return new WebjsChannel({
        logger,
        createClient: deps.createWebjsClient ?? (() => asWebjsClient(createRealClient({ dataDir: config.dataDir, chromePath: w.chromePath }))),
        createMedia: createRealMedia,
        showQr: printQr,
        refuse: async (message, reason) => {
          await refuseInbound(db.orm.em.fork(), message, reason);
        },
        pacing: config.webjsPacing,
        rememberMenu: remember,
        dayOf: (at) => localDate(new Date(at), config.marketTimeZone),
        // message_ack moves a notification's status as the Cloud API's status webhooks do.
        onAck: async (providerMessageId, status) => {
          await applyProviderStatus(db.orm.em.fork(), { providerMessageId, status });
        },
      });
    }
    case 'console':
      return new WebConsoleChannel({ rememberMenu: remember });
  }
}
