import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * What a data migration overwrote, so its `down` can put it back: one row per changed row, with the values
 * before the change. Kept as an entity so the schema diff (db:migration:check) knows the table.
 */
export const DataMigrationUndo = defineEntity({
  name: 'DataMigrationUndo',
  tableName: 'data_migration_undo',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    migration: p.string().length(255),
    tableName: p.string().length(100),
    rowId: p.uuid(),
    before: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ name: 'idx_data_migration_undo_migration', properties: ['migration', 'rowId'] }],
});
export type DataMigrationUndo = InferEntity<typeof DataMigrationUndo>;
