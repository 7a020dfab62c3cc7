import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk } from '../columns.js';

export const SETTING_VALUE_TYPES = ['number', 'string', 'boolean', 'json'] as const;
export type SettingValueType = (typeof SETTING_VALUE_TYPES)[number];

export const SystemSetting = defineEntity({
  name: 'SystemSetting',
  tableName: 'system_settings',
  properties: {
    id: uuidPk(),
    key: p.string().length(100).unique(),
    value: p.text(),
    valueType: p.enum(SETTING_VALUE_TYPES),
    description: p.text().nullable(),
    isPublic: p.boolean().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type SystemSetting = InferEntity<typeof SystemSetting>;
