import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, call } from "./access-client.ts";
import { type FakeServer, fakeWebhook } from "./fake-servers.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { notifications, PUBLIC_URL, priceModel, setBudget, spend, T0, tick } from "./alerts-cron-setup.ts";
import { callProcedure } from "./unpriced-money.ts";

// Outside dev mode an alert channel cannot reach addresses off the public internet (a metadata service, an
// internal admin page). A URL naming one by itself is refused when saved (400 naming `url`); a name that resolves
// to one is refused when sending, before connecting, recorded as failed at once with the reason, and nothing of a
// receiver's reply reaches the history. The receiver here is a loopback server.
describe("alert channels and private addresses", { timeout: 30_000 }, () => {
  let hook: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    hook = await fakeWebhook();
    tally = await startTally({ TALLY_PUBLIC_URL: PUBLIC_URL }, { clock: () => T0 + 5 * 60_000, alerts: { publicUrl: PUBLIC_URL, allowPrivateDestinations: false } });
    await priceModel(tally);
    await setBudget(tally, "acme", "Acme", 10);
  });
  afterAll(async () => {
    await tally.close();
    await hook.close();
  });

  it.each([
    "http://localhost:9/x", "http://127.0.0.1:9/x", "http://[::1]:9/x", "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/admin",
    "https://[fd00::1]/x", "https://[::ffff:127.0.0.1]/x", "http://2130706433/x", "https://0x7f.1/x", "https://metrics.localhost./x",
  ])("refuses a channel at %s when saved, naming url", async (url) => {
    const a: Answer = await call(tally, "alerts.channels.create", "mutation", { kind: "webhook", name: "Internal", url }, AUTH);
    expect(a.status).toBe(400);
    const errors = a.body.error?.data?.zodError?.fieldErrors as Record<string, string[]>;
    expect(errors.url?.[0]).toMatch(/an address off the public internet \(loopback, private or link-local\): set TALLY_ALERT_PRIVATE_DESTINATIONS=1/);
  });

  it("refuses a channel whose name resolves to a loopback address when sending: nothing sent, failed on the first attempt", async () => {
    // Saved before the guard (or a name whose DNS now answers a private address): written as the API writes a channel.
    const url = `${hook.url.replace("127.0.0.1", "localhost")}/admin`;
    await tally.db.insertInto("alert_channels").values({ id: "ch_internal", kind: "webhook", name: "Internal", url, secret: `whsec_${"a".repeat(32)}`, enabled: 1, created_at: T0 }).execute();
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
