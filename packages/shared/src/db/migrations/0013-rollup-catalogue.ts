import type { Kysely } from "kysely";

// Frozen once landed.
// Rollup catalogue (issue 20): the model × customer, function and tag cuboids; promoted tag keys.
// (Scaffold: H1 fills this in; see /work/notes/catalogue.md.)

export async function up(_db: Kysely<any>): Promise<void> {}

export async function down(_db: Kysely<any>): Promise<void> {}
