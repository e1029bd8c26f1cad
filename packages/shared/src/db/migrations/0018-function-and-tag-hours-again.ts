import type { Kysely } from "kysely";
import * as m0017 from "./0017-narrow-cuboids-without-hours.ts";

// Frozen once landed.
// The function and tag cuboids get their hour grain back (undoing 0017). Measured at 1,000,000 runs (SQLite,
// 2026-12-05): without hours, a window edge under a function or tag filter read up to 95 quarter rows per key,
// and in a zone off UTC (Asia/Kolkata) a year of weeks of quality under a tag took 56 / 62 ms p50 / p95 and
// under a function 48 / 70 ms, past the 50 ms target; at 100,000 runs, where most quarters were empty, the cost
// had not shown. Up rebuilds the 40 hour tables from their quarter rows (0017's down); down drops them again.

export const up = (db: Kysely<any>): Promise<void> => m0017.down(db);
export const down = (db: Kysely<any>): Promise<void> => m0017.up(db);
