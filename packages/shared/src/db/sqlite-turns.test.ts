import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { connect } from "./connect.ts";

/**
 * better-sqlite3 answers synchronously and Kysely resolves the answer as a microtask, so without a yield a chain
 * of awaited statements never lets the event loop serve anything else (another request, a timer, a socket).
 * Each statement outside a transaction first waits for the loop's next turn.
 */
describe("SQLite statements give the event loop a turn", () => {
  it("work queued for the loop's next turn runs before the first of five awaited statements answers", async () => {
    const db = await connect({ url: ":memory:", migrate: false });
    try {
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      const seen: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        await sql`select 1`.execute(db);
        seen.push(turned);
      }
      expect(seen).toEqual([true, true, true, true, true]);
    } finally {
      await db.destroy();
    }
  });
});
