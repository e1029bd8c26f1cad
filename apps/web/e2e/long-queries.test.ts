import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTrpcClient, sendsByPost } from "../src/lib/trpc.ts";
import { E2E_AUTH, type RunningServer, startServer } from "./server.ts";

/**
 * The dashboard's own tRPC client against the real server: a query whose input is too long for a URL
 * (the schema's maximum, 500 customer ids of 200 characters) goes by POST and is answered.
 */

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ runs: 40, days: 3 });
});
afterAll(async () => {
  await server?.close();
});

it("answers a query with 500 customer ids of 200 characters", async () => {
  const client = makeTrpcClient(`${server.url}/api/trpc`, E2E_AUTH);
  const to = server.seeded.now + 60_000;
  const window = { from: to - 5 * 86_400_000, to, timeZone: "UTC", limit: 500 };
  const seededIds = ["acme", "globex"];
  const longIds = Array.from({ length: 498 }, (_, i) => `${String(i).padStart(3, "0")}-`.padEnd(200, "x"));
  const customerIds = [...seededIds, ...longIds];
  expect(customerIds).toHaveLength(500);
  expect(customerIds.every((id) => id.length <= 200)).toBe(true);
  expect(sendsByPost({ type: "query", path: "spend.byCustomer", input: { ...window, customerIds } })).toBe(true);
  expect(sendsByPost({ type: "query", path: "spend.byCustomer", input: { ...window, customerIds: seededIds } })).toBe(false);

  // The long ids match no customer, so the answer is the two seeded customers' rows, as a short GET reads them.
  const [long, short] = await Promise.all([
    client.spend.byCustomer.query({ ...window, customerIds }),
    client.spend.byCustomer.query({ ...window, customerIds: seededIds }),
  ]);
  expect(short.rows.map((r) => r.customerId).sort()).toEqual(seededIds);
  expect(long.rows).toEqual(short.rows);
});
