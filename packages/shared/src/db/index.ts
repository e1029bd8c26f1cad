// Server-only: never import this subpath from apps/web.
export { connect, hidePassword, isPostgresUrl, migrate, type ConnectOptions, type Db } from "./connect.ts";
export * from "./dialect.ts";
export { migrationProvider } from "./migrations/index.ts";
export * from "./schema.ts";
export * from "./schema-pricing.ts";
export * from "./schema-alerts.ts";
export * from "./schema-reviews.ts";
export * from "./schema-rollups.ts";
export { type Allowed, FINER, grainStarts, pieces } from "./pieces.ts";
export { BUCKET_MS, bucketOf, GRAIN_MS, type Grain, grainStart, scoreBin, WEEK_MS, WEEK_ORIGIN_MS } from "./time.ts";
export { bucketKeySql, DAY_MS, HOUR_MS, localDay, localDayWindow, mod, mondayOf, offsetAt, type ReadUnit, type Segment, segments } from "./zone.ts";
export { AUTO_IDLE_MS, type Calendar, type CalendarUnit, calendars, canonicalZone, fillCalendars, LOCAL_TABLES, localKey, syncCalendars, wantCalendar } from "./calendars.ts";
export {
  createRollupTable,
  CUBOIDS,
  type CuboidId,
  type CuboidSpec,
  cuboidFor,
  type Dimension,
  type Fact,
  FACTS,
  type FactSpec,
  grainTable,
  keyColumns,
  LOCAL_FACTS,
  measureColumns,
  rollupTables,
  type RollupTableSpec,
  type TableGrain,
  tableGrains,
  tableName,
  tableSpec,
  TAG_CUBOIDS,
} from "./catalogue.ts";
export { firstFactBucket, MAX_PROMOTED_TAG_KEYS, syncTagKeys, type TagKey, tagKeyProblem, tagKeys, tagTables } from "./tag-keys.ts";
export { budgetsAt, customerBudgets, type PeriodBudget, recordBudgetChange } from "./budgets.ts";
export { SPEND_PART_NAMES, SPEND_PARTS, type SpendPart, type SpendPartSpec } from "./spend.ts";
export { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from "./unavailable.ts";
