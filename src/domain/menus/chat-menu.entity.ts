import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The numbered menu a person was last shown as text (whatsapp-web.js, the terminal, a Cloud API template):
 * a reply of a bare number runs the command at that position. One row per phone, replaced by each new menu;
 * in PostgreSQL so every replica reads the same menu.
 */
export const ChatMenu = defineEntity({
  name: 'ChatMenu',
  tableName: 'chat_menus',
  properties: {
    phone: p.string().length(40).primary(),
    commands: p.json<string[]>(),
    sentAt: p.datetime(),
  },
});
export type ChatMenu = InferEntity<typeof ChatMenu>;
