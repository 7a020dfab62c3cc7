// Column shapes shared by every table, so money and time are declared one way everywhere.
import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

export const uuidPk = () =>
  p
    .uuid()
    .primary()
    .defaultRaw('gen_random_uuid()')
    .onCreate(() => randomUUID());
export const serialPk = () => p.bigint('string').primary().autoincrement();

/** numeric(14,2): rupees, held as a string so no float ever touches it. */
export const money = () => p.decimal('string').precision(14).scale(2);
/** numeric(10,3): kilograms or pieces. */
export const quantity = () => p.decimal('string').precision(10).scale(3);
/** numeric(10,2): rupees per unit. */
export const rate = () => p.decimal('string').precision(10).scale(2);
/** numeric(5,2): a percentage. */
export const percent = () => p.decimal('string').precision(5).scale(2);

export const createdAt = () =>
  p
    .datetime()
    .defaultRaw('now()')
    .onCreate(() => new Date());
export const updatedAt = () =>
  p
    .datetime()
    .defaultRaw('now()')
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

export const LANGUAGES = ['en', 'ta'] as const;
export type Language = (typeof LANGUAGES)[number];
