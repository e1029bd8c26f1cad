import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "@tally/shared";
import { createPasswordUser, inviteUser } from "../src/auth/accounts.ts";
import { createApiKey } from "../src/auth/api-keys.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import { upsertPrice } from "../src/queries/prices.ts";
import { createAlertChannel, createAlertRule } from "../src/queries/alerts.ts";
import { startReprice } from "../src/reprice/jobs.ts";
import { enqueueReview } from "@tally/inngest-functions";
import { TABLES } from "../src/export/handler.ts";
import { appRouter } from "../src/trpc/root.ts";
import { call, exportCsv, type Headers, keyFor, PASSWORD, sessionFor } from "./access-client.ts";
import { startTally, type Tally } from "./harness.ts";
import { deliver, WINDOW } from "./unpriced-money.ts";

// Issue 16: the server enforces roles on every procedure and every export. This walks the real router and
// TABLES over HTTP, for each role with an API key and with a signed-in session, against the table below,
// written by hand from the issue (not read from the code's meta or CAPABILITIES).

/** Who may use each capability, as the issue states it. */
const ALLOWED: Record<string, Role[]> = {
  read: ["viewer", "finance", "reviewer", "admin"],
  editMoney: ["finance", "admin"],
  review: ["reviewer", "admin"],
  admin: ["admin"],
};

/** Every procedure → the capability it needs. A procedure missing here fails the walk: a new one must be placed. */
const EXPECTED: Record<string, keyof typeof ALLOWED> = {
  "overview.summary": "read",
  "spend.timeseries": "read",
  "spend.byCustomer": "read",
  "spend.byModel": "read",
  "spend.statement": "read",
  "spend.byDimension": "read",
  "quality.byDimension": "read",
  "dimensions.list": "read",
  "quality.trend": "read",
  "quality.compareModels": "read",
  "quality.costVsQuality": "read",
  "quality.agreement": "read",
  "runs.list": "read",
  "runs.byId": "read",
  "runs.scoreNames": "read",
  "customers.list": "read",
  "customers.upsert": "editMoney",
  "prices.list": "read",
  "prices.upsert": "editMoney",
  "prices.update": "editMoney",
  "prices.remove": "editMoney",
  "prices.history": "read",
  "prices.catalog": "read",
  "prices.refreshCatalog": "editMoney",
  "prices.firstUnpriced": "editMoney",
  "reprice.preview": "editMoney",
  "reprice.start": "editMoney",
  "reprice.jobs": "read",
  "reprice.job": "read",
  "system.me": "read",
  "system.status": "read",
  "users.list": "admin",
  "users.invite": "admin",
  "users.setRole": "admin",
  "users.remove": "admin",
  "users.invitations": "admin",
  "users.revokeInvitation": "admin",
  "apiKeys.list": "admin",
  "apiKeys.create": "admin",
  "apiKeys.revoke": "admin",
  "audit.list": "admin",
  "judge.status": "read",
  "judge.sampling.list": "read",
  "judge.sampling.set": "editMoney",
  "judge.sampling.remove": "editMoney",
  "alerts.rules.list": "read",
  "alerts.rules.create": "editMoney",
  "alerts.rules.update": "editMoney",
  "alerts.rules.remove": "editMoney",
  "alerts.channels.list": "admin",
  "alerts.channels.create": "admin",
  "alerts.channels.update": "admin",
  "alerts.channels.remove": "admin",
  "alerts.state": "read",
  "alerts.history": "read",
  "alerts.budgets": "read",
  "reviews.queue": "read",
  "reviews.item": "read",
  "reviews.submit": "review",
  "reviews.sampling.list": "read",
  "reviews.sampling.set": "review",
  "reviews.sampling.remove": "review",
};

/** Every CSV export → its capability. */
const EXPECTED_EXPORTS: Record<string, keyof typeof ALLOWED> = {
  "spend-by-customer": "read",
  "spend-by-model": "read",
  runs: "read",
  audit: "admin",
  reviews: "read",
  statement: "read",
  "statement-lines": "read",
};

/** Exports whose input is not the analytics window. */
const STATEMENT_INPUT = { customerId: "acme", month: "2026-06", timeZone: "UTC" };
const EXPORT_INPUTS: Record<string, unknown> = { audit: {}, statement: STATEMENT_INPUT, "statement-lines": STATEMENT_INPUT };

const ROLES: Role[] = ["viewer", "finance", "reviewer", "admin"];
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string; meta?: { capability?: string } } }> } })._def
  .procedures;

describe("every procedure and export answers 401 without credentials, 403 to a role without the capability", () => {
  let tally: Tally;
  const credentials: { label: string; role: Role; headers: Headers }[] = [];
  let n = 0;
  /** A valid input per procedure, fresh for each call (a removed user or a revoked key cannot be so twice). */
  let inputs: Record<string, () => Promise<unknown>>;

  beforeAll(async () => {
    tally = await startTally();
    await deliver(tally, [{ runId: "walk-run-0", model: "gpt-4o", customerId: "acme", promptTokens: 1000, completionTokens: 100, judged: false }]);
    const item = { runId: "walk-run-0", model: "gpt-4o", customerId: "acme", judgeModel: "j", rubricVersion: "v", output: "out", occurredAt: WINDOW.from };
    await enqueueReview(tally.db, { ...item, id: "walk-review-item", reason: "sample", now: Date.now() });
    for (const role of ROLES) {
      credentials.push({ label: `${role} API key`, role, headers: await keyFor(tally, role) });
      credentials.push({ label: `${role} session`, role, headers: await sessionFor(tally, role) });
    }
    const freshUser = async () =>
      (await createPasswordUser(tally.db, SYSTEM, { email: `walk-${++n}@walk.test`, name: "walk", role: "viewer", password: PASSWORD }, Date.now())).id;
    const fixed = (v: unknown) => async () => v;
    const walkRule = () => createAlertRule(tally.db, SYSTEM, { kind: "unpriced", name: `walk ${++n}`, params: { windowHours: 24 }, enabled: true }, Date.now());
    const walkChannel = () => createAlertChannel(tally.db, SYSTEM, { kind: "slack", name: `walk ${++n}`, url: "https://hooks.slack.com/services/walk" }, Date.now());
    inputs = {
      "overview.summary": fixed(WINDOW),
      "spend.timeseries": fixed({ ...WINDOW, bucket: "hour", splitBy: "model" }),
      "spend.byCustomer": fixed(WINDOW),
      "spend.byModel": fixed(WINDOW),
      "spend.byDimension": fixed({ ...WINDOW, dimension: "function" }),
      "quality.byDimension": fixed({ ...WINDOW, dimension: "function" }),
      "dimensions.list": fixed({}),
      "spend.statement": fixed({ customerId: "acme", month: "2026-06", timeZone: "UTC" }),
      "quality.trend": fixed({ ...WINDOW, bucket: "hour" }),
      "quality.compareModels": fixed({ ...WINDOW, baselineModel: "gpt-4o" }),
      "quality.costVsQuality": fixed({ ...WINDOW, scoreName: "helpfulness", threshold: 0.5 }),
      "quality.agreement": fixed(WINDOW),
      "runs.list": fixed(WINDOW),
      "runs.byId": fixed({ runId: "walk-run-0" }),
      "runs.scoreNames": fixed(undefined),
      "customers.list": fixed(undefined),
      "customers.upsert": fixed({ id: "acme", name: "Acme", monthlyBudgetMicros: 5_000_000 }),
      "prices.list": fixed({}),
      "prices.upsert": fixed({ model: "walk-model", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 2_000_000, effectiveFrom: 0 }),
      "prices.update": fixed({ model: "walk-model", effectiveFrom: 0, values: { inputMicrosPerMtok: 1_500_000, outputMicrosPerMtok: 2_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null } }),
      "prices.remove": async () => {
        const effectiveFrom = ++n;
        await upsertPrice(tally.db, SYSTEM, { model: "walk-removed", provider: "", inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null, effectiveFrom }, Date.now());
        return { model: "walk-removed", effectiveFrom };
      },
      "prices.history": fixed({}),
      "prices.catalog": fixed(undefined),
      "prices.refreshCatalog": fixed(undefined),
      "prices.firstUnpriced": fixed({ model: "gpt-4o" }),
      "reprice.preview": fixed({ model: "gpt-4o" }),
      "reprice.start": fixed({ model: "gpt-4o", reason: "manual" }),
      "reprice.jobs": fixed(undefined),
      "reprice.job": async () => ({ id: (await startReprice(tally.db, SYSTEM, { model: "gpt-4o", reason: "manual" }, Date.now())).jobId }),
      "system.me": fixed(undefined),
      "system.status": fixed(undefined),
      "users.list": fixed(undefined),
      "users.invite": async () => ({ email: `invited-${++n}@walk.test`, role: "viewer" }),
      "users.setRole": async () => ({ userId: await freshUser(), role: "finance" }),
      "users.remove": async () => ({ userId: await freshUser() }),
      "users.invitations": fixed(undefined),
      "users.revokeInvitation": async () => {
        const email = `revoke-${++n}@walk.test`;
        await inviteUser(tally.db, { kind: "system", id: "walk", label: "walk" }, { email, role: "viewer" }, Date.now());
        return { email };
      },
      "apiKeys.list": fixed(undefined),
      "apiKeys.create": async () => ({ name: `walk key ${++n}`, role: "viewer" }),
      "apiKeys.revoke": async () => ({ id: (await createApiKey(tally.db, SYSTEM, { name: `revoke me ${++n}`, role: "viewer" }, Date.now())).key.id }),
      "audit.list": fixed({}),
      "judge.status": fixed(undefined),
      "judge.sampling.list": fixed(undefined),
      "judge.sampling.set": fixed({ scope: "model", key: "gpt-4o", rate: 0.5 }),
      "judge.sampling.remove": fixed({ scope: "customer", key: "acme" }),
      "alerts.rules.list": fixed(undefined),
      "alerts.rules.create": fixed({ kind: "spend_over", name: "walk", params: { amountMicros: 1_000_000, windowHours: 24 } }),
      "alerts.rules.update": async () => ({ id: (await walkRule()).id, enabled: false }),
      "alerts.rules.remove": async () => ({ id: (await walkRule()).id }),
      "alerts.channels.list": fixed(undefined),
      "alerts.channels.create": fixed({ kind: "webhook", name: "walk", url: "https://hooks.example.com/walk" }),
      "alerts.channels.update": async () => ({ id: (await walkChannel()).id, name: "walk renamed" }),
      "alerts.channels.remove": async () => ({ id: (await walkChannel()).id }),
      "alerts.state": fixed(undefined),
      "alerts.history": fixed({}),
      "alerts.budgets": fixed(WINDOW),
      "reviews.queue": fixed({ status: "all" }),
      "reviews.item": fixed({ id: "walk-review-item" }),
      "reviews.submit": fixed({ itemId: "walk-review-item", verdict: "good" }),
      "reviews.sampling.list": fixed(undefined),
      "reviews.sampling.set": fixed({ name: "tone", rate: 0.5, threshold: 2 }),
      "reviews.sampling.remove": fixed({ name: "tone" }),
    };
  }, 60_000);
  afterAll(() => tally.close());

  it("places every procedure of the router in the expected table (and the code's meta agrees)", () => {
    expect(Object.keys(procedures).filter((p) => !(p in EXPECTED)), "procedures without an expected capability").toEqual([]);
    expect(Object.keys(EXPECTED).filter((p) => !(p in procedures)), "expected procedures the router lacks").toEqual([]);
    for (const [path, proc] of Object.entries(procedures)) expect(proc._def.meta?.capability, path).toBe(EXPECTED[path]);
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it("places every export in the expected table (and the code agrees)", () => {
    expect(Object.keys(TABLES).sort()).toEqual(Object.keys(EXPECTED_EXPORTS).sort());
    for (const [name, table] of Object.entries(TABLES)) expect(table.capability, name).toBe(EXPECTED_EXPORTS[name]);
  });

  const NO_CREDENTIALS: [string, Headers][] = [
    ["nothing", {}],
    ["an unknown API key", { authorization: "Bearer tally_not_a_key_0123456789abcdefghijklmnop" }],
    ["a forged session cookie", { cookie: "better-auth.session_token=forged.signature" }],
    ["a malformed Authorization header", { authorization: "Basic dXNlcjpwYXNz" }],
  ];

  it.each(NO_CREDENTIALS)("answers 401 to every procedure and export with %s", async (_, headers) => {
    const wrong: string[] = [];
    for (const [path, proc] of Object.entries(procedures)) {
      // A procedure not yet in the tables is still walked (with no input): it must answer 401 too.
      const a = await call(tally, path, proc._def.type, await inputs[path]?.(), headers);
      if (a.status !== 401) wrong.push(`${path} ${a.status}`);
    }
    for (const table of Object.keys(TABLES)) {
      const a = await exportCsv(tally, table, table === "audit" ? {} : WINDOW, headers);
      if (a.status !== 401) wrong.push(`${table}.csv ${a.status}`);
    }
    expect(wrong).toEqual([]);
  }, 30_000);

  it("answers 200 where the role has the capability and 403 where not, to every procedure, by API key and by session", async () => {
    const wrong: string[] = [];
    let allowed = 0;
    let denied = 0;
    for (const c of credentials) {
      for (const [path, proc] of Object.entries(procedures)) {
        const may = ALLOWED[EXPECTED[path]!]!.includes(c.role);
        const a = await call(tally, path, proc._def.type, await inputs[path]!(), c.headers);
        if (may ? a.status !== 200 : a.status !== 403) wrong.push(`${c.label} ${path}: ${a.status} ${a.status === 200 ? "" : JSON.stringify(a.body.error?.message)}`);
        if (may) allowed++;
        else denied++;
      }
    }
    expect(wrong).toEqual([]);
    // 62 procedures × 8 credentials: read (32) for all 4 roles, editMoney (13) and review (3) for 2, admin (14) for 1.
    expect({ allowed, denied }).toEqual({ allowed: 2 * (32 * 4 + 13 * 2 + 3 * 2 + 14 * 1), denied: 2 * (13 * 2 + 3 * 2 + 14 * 3) });
  }, 60_000);

  it("answers 200 where the role has the capability and 403 where not, to every CSV export", async () => {
    const wrong: string[] = [];
    for (const c of credentials) {
      for (const table of Object.keys(TABLES)) {
        const may = ALLOWED[EXPECTED_EXPORTS[table]!]!.includes(c.role);
        const a = await exportCsv(tally, table, EXPORT_INPUTS[table] ?? WINDOW, c.headers);
        if (may ? a.status !== 200 : a.status !== 403) wrong.push(`${c.label} ${table}.csv: ${a.status}`);
        if (!may) expect(a.text, `${c.label} ${table}.csv`).not.toMatch(/\r\n/); // a JSON error, no rows
      }
    }
    expect(wrong).toEqual([]);
  });

  it("refuses an unknown key in every procedure's input with a 400 naming it (a misspelt field is never dropped)", async () => {
    const admin = credentials.find((c) => c.label === "admin API key")!.headers;
    const kept: string[] = [];
    let checked = 0;
    for (const [path, proc] of Object.entries(procedures)) {
      const input = await inputs[path]!();
      // Procedures without input (system.me) read none: nothing to misspell.
      if (input === undefined || typeof input !== "object" || input === null || Array.isArray(input)) continue;
      checked++;
      const a = await call(tally, path, proc._def.type, { ...input, monthlyBudgetUsd: 5 }, admin);
      if (a.status !== 400 || !JSON.stringify(a.body).includes("monthlyBudgetUsd")) kept.push(`${path}: ${a.status}`);
    }
    expect(kept).toEqual([]);
    // Every procedure that takes an input (46; the other 16 read none).
    expect(checked).toBe(46);
  }, 30_000);

  it("judges each call of a batch by its own capability", async () => {
    const viewer = credentials.find((c) => c.label === "viewer API key")!.headers;
    const res = await fetch(`${tally.base}/api/trpc/system.me,users.list,audit.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 2: {} }))}`, { headers: viewer });
    const body = (await res.json()) as { error?: { data: { httpStatus: number } }; result?: unknown }[];
    expect(body.map((b) => (b.error ? b.error.data.httpStatus : 200))).toEqual([200, 403, 403]);
  });
});
