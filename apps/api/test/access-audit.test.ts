import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeAudit } from "../src/auth/audit.ts";
import { appRouter } from "../src/trpc/root.ts";
import { auditRows, call, data, exportCsv, type Headers, keyFor, parseCsv, sessionFor } from "./access-client.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";

// Issue 16: the audit log, read by admins only (audit.list and audit.csv), newest first, filtered by time,
// action, actor and target, paged by cursor; append-only through the API. Expected pages are computed here
// from the stored rows with plain JavaScript, not by the SQL under test.

type Row = Awaited<ReturnType<typeof auditRows>>[number];
interface Filter {
  from?: number;
  to?: number;
  action?: string;
  actor?: string;
  target?: string;
}

const has = (text: string, part: string) => text.toLowerCase().includes(part.toLowerCase());
/** The filter's meaning, in JavaScript: newest first, ties by id. */
function expected(rows: Row[], f: Filter) {
  return rows
    .filter((r) => f.from === undefined || r.at >= f.from)
    .filter((r) => f.to === undefined || r.at < f.to)
    .filter((r) => f.action === undefined || r.action === f.action)
    .filter((r) => f.actor === undefined || has(r.actor_label, f.actor) || has(r.actor_id, f.actor))
    .filter((r) => f.target === undefined || has(r.target, f.target))
    .sort((a, b) => b.at - a.at || b.id - a.id)
    .map((r) => ({ id: r.id, at: r.at, actorType: r.actor_type, actorId: r.actor_id, actorLabel: r.actor_label, action: r.action, target: r.target, before: r.before, after: r.after }));
}

describe("the audit log: admins read it, filtered and paged, and nobody changes it", () => {
  let tally: Tally;
  let boss: Headers;
  let ledger: Headers;
  let initial: Row[];

  /** Every page of audit.list with this filter and page size, checking each page's size. */
  async function allPages(f: Filter, limit: number) {
    const items: Json[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const answer = await data(tally, "audit.list", "query", { ...f, limit, cursor }, boss);
      items.push(...answer.items);
      if (answer.nextCursor === null) return items;
      expect(answer.items).toHaveLength(limit);
      cursor = answer.nextCursor;
    }
    throw new Error("too many pages");
  }

  beforeAll(async () => {
    tally = await startTally();
    boss = await sessionFor(tally, "admin", "audit.boss@example.com");
    ledger = await keyFor(tally, "finance", "Ledger Bot");
    const finance = await sessionFor(tally, "finance", "money@example.com");
    for (const [id, budget] of [["acme", 1], ["a_b", 2], ["globex", 3], ["ACME-eu", 4], ["acme", 5]] as const) {
      await data(tally, "customers.upsert", "mutation", { id, name: id, monthlyBudgetMicros: budget }, ledger);
    }
    await data(tally, "prices.upsert", "mutation", { model: "m-1", inputMicrosPerMtok: 1, outputMicrosPerMtok: 2, effectiveFrom: 0 }, finance);
    await data(tally, "apiKeys.create", "mutation", { name: "Report script", role: "viewer" }, boss);
    await data(tally, "users.invite", "mutation", { email: "later@example.com", role: "reviewer" }, boss);
    await data(tally, "customers.upsert", "mutation", { id: "initech", name: "Initech", monthlyBudgetMicros: null }, AUTH);
    initial = await auditRows(tally);
  }, 60_000);
  afterAll(() => tally.close());

  it("lists every entry newest first, the same whole or paged, with actor, before and after", async () => {
    const all = expected(initial, {});
    expect(all.length).toBeGreaterThanOrEqual(13);
    expect((await data(tally, "audit.list", "query", undefined, boss)).items).toEqual(all);
    for (const limit of [1, 2, 5]) expect(await allPages({}, limit)).toEqual(all);
    const last = all.find((r) => r.target === "customer:acme" && r.action === "customers.upsert")!;
    expect(last).toMatchObject({ actorType: "api_key", actorLabel: "Ledger Bot", before: { monthlyBudgetMicros: 1 }, after: { monthlyBudgetMicros: 5 } });
  });

  const FILTERS: [string, Filter, boolean][] = [
    ["action", { action: "customers.upsert" }, true],
    ["actor, any case", { actor: "LEDGER" }, true],
    ["actor by email part", { actor: "boss@" }, true],
    ["target, any case", { target: "ACME" }, true],
    ["target with a literal _", { target: "a_b" }, true],
    ["a LIKE wildcard matched literally", { actor: "%" }, false],
    ["a LIKE wildcard matched literally (_)", { target: "_" }, true],
    ["all of them", { action: "customers.upsert", actor: "bot", target: "a" }, true],
  ];

  it.each(FILTERS)("filters by %s", async (_, f, some) => {
    const want = expected(initial, f);
    expect(want.length > 0, "the filter matches something").toBe(some);
    expect(await allPages(f, 2)).toEqual(want);
  });

  it("filters by time, [from, to)", async () => {
    const ats = [...new Set(initial.map((r) => r.at))].sort((a, b) => a - b);
    const [from, to] = [ats[2]!, ats[ats.length - 2]!];
    for (const f of [{ from }, { to }, { from, to }, { from: new Date(from).toISOString(), to }]) {
      const parsed = { from: typeof f.from === "string" ? Date.parse(f.from) : f.from, to: f.to };
      const want = expected(initial, parsed);
      expect(want.length).toBeGreaterThan(0);
      expect(await allPages(f as Filter, 3)).toEqual(want);
    }
  });

  it("refuses bad filters and cursors with a 400 naming the field", async () => {
    const bad: [unknown, string][] = [
      [{ cursor: "not a cursor!" }, "cursor"],
      [{ cursor: Buffer.from(JSON.stringify({ t: 1, id: "x" })).toString("base64url") }, "cursor"],
      [{ action: "prices.delete" }, "action"],
      [{ from: 10, to: 5 }, "to"],
      [{ limit: 0 }, "limit"],
      [{ limit: 201 }, "limit"],
      [{ actor: "a\u0000" }, "actor"],
    ];
    for (const [input, field] of bad) {
      const a = await call(tally, "audit.list", "query", input, boss);
      expect(a.status, JSON.stringify(input)).toBe(400);
      expect(Object.keys(a.body.error.data.zodError.fieldErrors), JSON.stringify(input)).toEqual([field]);
    }
  });

  it("is read-only through the API: the audit router has only queries, and earlier entries never change", async () => {
    const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures;
    const audit = Object.entries(procedures).filter(([p]) => p.startsWith("audit."));
    expect(audit.map(([p, d]) => [p, d._def.type])).toEqual([["audit.list", "query"]]);
    expect((await auditRows(tally)).slice(0, initial.length)).toEqual(initial);
  });

  it("exports as CSV for admins only: the filter's entries, every page of them", async () => {
    // Enough entries (written by the same code, in groups sharing one instant) that the export reads several pages.
    const t = Date.now();
    await tally.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 2105; i++) {
        await writeAudit(trx, { kind: "system", id: "bulk", label: '=SUM(1,2) "bulk" writer' }, { action: "prices.upsert", target: `price:bulk-${i}`, before: null, after: { i, note: "a,b\r\nc" } }, t + Math.floor(i / 10));
      }
    });
    const rows = await auditRows(tally);
    for (const f of [{}, { actor: "bulk" }, { action: "customers.upsert", target: "acme" }, { from: t + 50, to: t + 150 }] as Filter[]) {
      const want = expected(rows, f);
      const csv = await exportCsv(tally, "audit", f, AUTH);
      expect(csv.status).toBe(200);
      const [header, ...lines] = parseCsv(csv.text);
      expect(header).toEqual(["id", "at", "actor_type", "actor_id", "actor_label", "action", "target", "before", "after"]);
      const got = lines.map(([id, at, actorType, actorId, actorLabel, action, target, before, after]) => ({
        id: Number(id), at: Date.parse(at!), actorType, actorId, actorLabel: actorLabel!.replace(/^'/, ""), action, target,
        before: before === "" ? null : JSON.parse(before!), after: after === "" ? null : JSON.parse(after!),
      }));
      expect(got).toEqual(want);
    }
    expect(await allPages({ actor: "bulk" }, 200)).toEqual(expected(rows, { actor: "bulk" }));
    // A label a spreadsheet would run as a formula is defused.
    expect((await exportCsv(tally, "audit", { actor: "bulk" }, AUTH)).text).toContain(`,"'=SUM(1,2) ""bulk"" writer",`);
    expect((await exportCsv(tally, "audit", {}, AUTH)).fileName).toBe("audit_start_now.csv");
    expect((await exportCsv(tally, "audit", { from: "2026-06-01T00:00:00Z", to: "2026-07-01T00:00:00Z" }, AUTH)).fileName).toBe("audit_2026-06-01_2026-07-01.csv");

    const bad = await exportCsv(tally, "audit", { action: "nope" }, AUTH);
    expect([bad.status, Object.keys(JSON.parse(bad.text).fieldErrors)]).toEqual([400, ["action"]]);
    expect((await exportCsv(tally, "audit", {}, ledger)).status).toBe(403);
    expect((await exportCsv(tally, "audit", {}, await keyFor(tally, "reviewer"))).status).toBe(403);
    expect((await exportCsv(tally, "audit", {}, {})).status).toBe(401);
    expect((await call(tally, "audit.list", "query", {}, ledger)).status).toBe(403);
  }, 60_000);
});
