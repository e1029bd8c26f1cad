import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, startTally, TEST_API_KEY, type Tally } from "./harness.ts";
import { deliver } from "./unpriced-money.ts";

// A few parallel downloads of a big customer's line items held the database for everyone (a viewer's 8 made
// another user's statement 100× slower): each user or key runs at most 2 exports at once, the server 3.
// ~11 MB of CSV: well past what the sockets hold for a reader that reads nothing (the sender's buffer grows to
// tcp_wmem's 4 MB; the paused reader's stays small), so an unread download stays open.
const LINES = 60_000;
const input = encodeURIComponent(JSON.stringify({ customerId: "big", month: "2026-06", timeZone: "UTC" }));
const path = `/api/export/statement-lines.csv?input=${input}`;

describe("exports running at once", { timeout: 180_000 }, () => {
  let tally: Tally;

  beforeAll(async () => {
    tally = await startTally();
    await deliver(tally, [{ runId: "big-run", model: "gpt-4o", customerId: "big", promptTokens: 1000, completionTokens: 100, judged: false }]);
    // The line items read the raw lines: copies of the one real line are enough to make a long file.
    const line = await tally.db.selectFrom("usage_costs").selectAll().where("customer_id", "=", "big").executeTakeFirstOrThrow();
    for (let i = 0; i < LINES; i += 200) {
      const rows = Array.from({ length: 200 }, (_, j) => ({ ...line, id: `copy-${i + j}`, deferred_run_id: `copy-${i + j}` }));
      await tally.db.insertInto("usage_costs").values(rows).execute();
    }
  });
  afterAll(() => tally?.close());

  /** A download that reads its headers, then nothing more until `finish` (the server waits on the socket). */
  const held = (key: string) =>
    new Promise<{ status: number; finish: () => Promise<number> }>((resolve, reject) => {
      const url = new URL(path, tally.base);
      const req = request(url, { headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.pause();
        let bytes = 0;
        resolve({
          status: res.statusCode!,
          finish: () =>
            new Promise((done) => {
              res.on("data", (c: Buffer) => (bytes += c.length));
              res.on("end", () => done(bytes));
              res.resume();
            }),
        });
      });
      req.on("error", reject);
      req.end();
    });

  it("refuses a third export of one key with a 429 while two run, and takes it once one has finished", async () => {
    const first = await held(TEST_API_KEY);
    const second = await held(TEST_API_KEY);
    expect([first.status, second.status]).toEqual([200, 200]);
    // What the dashboard asks before a download: the same answer, without starting one.
    const slots = async (headers: Record<string, string> = AUTH) => {
      const res = await fetch(`${tally.base}/api/export/slots`, { headers });
      return { status: res.status, body: (await res.json()) as { refused?: string | null } };
    };
    expect(await slots()).toEqual({ status: 200, body: { refused: "2 of your exports are still running (at most 2 at once): try again when one finishes" } });
    expect((await slots({})).status).toBe(401);
    const third = await fetch(`${tally.base}${path}`, { headers: AUTH });
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("5");
    expect(((await third.json()) as { error: string }).error).toBe("2 of your exports are still running (at most 2 at once): try again when one finishes");
    // Other requests are answered meanwhile.
    expect((await fetch(`${tally.base}/healthz`)).status).toBe(200);
    const bytes = await first.finish();
    expect(bytes).toBeGreaterThan(LINES * 100); // the whole file came, its slot is free again
    expect(await slots()).toEqual({ status: 200, body: { refused: null } });
    const fourth = await fetch(`${tally.base}${path}`, { headers: AUTH });
    expect(fourth.status).toBe(200);
    expect((await fourth.text()).split("\r\n").filter(Boolean)).toHaveLength(LINES + 2); // header + the real line + its copies
    await second.finish();
  });
});
