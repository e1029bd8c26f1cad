import type { Kysely } from "kysely";

// Frozen once landed.
// Alerts (issue 18): rules, channels, notifications.

export async function up(_db: Kysely<any>): Promise<void> {}
