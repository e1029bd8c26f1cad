import type { Kysely } from "kysely";

// Frozen once landed.
// Human review (issue 19): review queue and reviews.

export async function up(_db: Kysely<any>): Promise<void> {}
