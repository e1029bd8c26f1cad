import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeWebhook } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { addChannel, notifications, PUBLIC_URL, priceModel, setBudget, spend, T0, tick } from "./alerts-cron-setup.ts";
import { callProcedure } from "./unpriced-money.ts";

// Outside dev mode an alert channel cannot reach addresses off the public internet (a metadata service, an
// internal admin page): the send is refused before connecting, recorded as failed at once with the reason, and
// nothing of the receiver's reply reaches the history. The receiver here is a loopback server.
describe("alert channels and private addresses", { timeout: 30_000 }, () => {
  let hook: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    hook = await fakeWebhook();
    tally = await startTally({ TALLY_PUBLIC_URL: PUBLIC_URL }, { clock: () => T0 + 5 * 60_000, alerts: { publicUrl: PUBLIC_URL, allowPrivateDestinations: false } });
    await priceModel(tally);
    await setBudget(tally, "acme", "Acme", 10);
    await addChannel(tally, "webhook", "Internal", `${hook.url.replace("127.0.0.1", "localhost")}/admin`);
  });
  afterAll(async () => {
    await tally.close();
    await hook.close();
  });

  it("refuses a loopback receiver by name: nothing sent, failed on the first attempt with the reason", async () => {
    await spend(tally, "acme", 9_000_000, T0 - 30 * 60_000);
    await tick(tally, "01TICKPRIVATE", T0 + 5 * 60_000);
    expect(hook.requests).toEqual([]);
    const sent = await notifications(tally);
    expect(sent.map((n) => [n.status, n.attempts])).toEqual([["failed", 1]]);
    expect(sent[0]!.last_error).toMatch(/^refused: localhost is (127\.0\.0\.1|::1), an address off the public internet/);
    const history = (await callProcedure(tally, "alerts.history", "query", {})) as { items: { lastError: string | null }[] };
    expect(history.items.map((i) => i.lastError)).toEqual([sent[0]!.last_error]);
  });
});
