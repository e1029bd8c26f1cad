import { expect } from "vitest";
import { type Db, fillCalendars, rollupTables } from "@tally/shared/db";
import { storedAndExpected } from "./expected-rollups.ts";

/**
 * Every rollup table of the catalogue (all cuboids × grains, local calendars, tag rows) and the judge's activity equal a GROUP BY
 * over the raw rows (storedAndExpected, computed apart from the writer); pending calendars are filled first.
 * Tests only (it imports vitest; benches use storedAndExpected).
 */
export async function expectRollupsEqualRawRows(db: Db): Promise<void> {
  await fillCalendars(db);
  const tables = await storedAndExpected(db);
  expect(tables.length).toBe(rollupTables().length + 1); // and the judge's activity
  for (const { table, stored, expected } of tables) expect(stored, table).toEqual(expected);
}
