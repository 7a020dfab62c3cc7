// Every entity, in one list for the ORM config.
import { User } from './users/user.entity.js';
import { UserSession } from './users/user-session.entity.js';
import { Farmer } from './farmers/farmer.entity.js';
import { FlowerType } from './flowers/flower-type.entity.js';
import { TimeSlot } from './slots/time-slot.entity.js';
import { MarketRate } from './rates/market-rate.entity.js';
import { DailyEntry } from './entries/daily-entry.entity.js';
import { CashAdvance } from './advances/cash-advance.entity.js';
import { Settlement } from './settlements/settlement.entity.js';
import { SettlementItem } from './settlements/settlement-item.entity.js';
import { SecurityLog } from './audit/security-log.entity.js';
import { Notification } from './notifications/notification.entity.js';
import { SendSlot } from './notifications/send-slot.entity.js';
import { SystemSetting } from './settings/system-setting.entity.js';
import { InboundMessage } from './inbox/inbound-message.entity.js';
import { DailyEntryArchive } from './archive/daily-entry-archive.entity.js';
import { SettlementItemArchive } from './archive/settlement-item-archive.entity.js';
import { JobRun } from './job-runs/job-run.entity.js';
import { BroadcastPreference } from './broadcasts/broadcast-preference.entity.js';
import { ChatMenu } from './menus/chat-menu.entity.js';
import { PendingConfirmation } from './confirmations/pending-confirmation.entity.js';
import { Buyer } from './buyers/buyer.entity.js';
import { Sale } from './buyers/sale.entity.js';
import { Collection, CollectionAllocation } from './buyers/collection.entity.js';
import { SaleRate } from './buyers/sale-rate.entity.js';
import { Adjustment } from './adjustments/adjustment.entity.js';
import { DataMigrationUndo } from '../db/data-migration-undo.entity.js';

export const entities = [
  User,
  Farmer,
  FlowerType,
  TimeSlot,
  MarketRate,
  DailyEntry,
  CashAdvance,
  Settlement,
  SettlementItem,
  SecurityLog,
  Notification,
  SendSlot,
  SystemSetting,
  InboundMessage,
  DailyEntryArchive,
  SettlementItemArchive,
  DataMigrationUndo,
  UserSession,
  JobRun,
  BroadcastPreference,
  ChatMenu,
  PendingConfirmation,
  Buyer,
  Sale,
  Collection,
  CollectionAllocation,
  SaleRate,
  Adjustment,
];
