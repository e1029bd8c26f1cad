import type { Kysely } from "kysely";

// Frozen once landed.
// Price overrides you can correct (issue 17 §4): override history, repricing jobs, per-line price history.

export async function up(_db: Kysely<any>): Promise<void> {}
