import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { connect, type Db } from "./connect.ts";
import { MAX_NAMED, MAX_TEXT } from "./pg-statements.ts";
import { testDatabaseUrl, testEngine } from "./test-database.ts";

// The pool's statement naming is PostgreSQL's (SQLite has its own statement cache in connect.ts).
describe.runIf(testEngine() === "postgres")("PostgreSQL statements named per connection", () => {
  let db: Db | null = null;
  afterEach(async () => {
    await db?.destroy();
    db = null;
  });
  // One connection: every statement below runs on the session whose prepared statements are listed.
  const open = async () => (db = await connect({ url: await testDatabaseUrl({ migrated: false }), migrate: false, poolSize: 1 }));
  const prepared = async (d: Db) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(d)).rows.map((r) => r.statement);

  it("prepares a read once and answers each call with its own values", async () => {
    const d = await open();
    const text = "select $1::int + 1 as v";
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await sql<{ v: number }>`select ${i}::int + 1 as v`.execute(d)).rows[0]!.v);
    expect(answers).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await prepared(d)).filter((s) => s === text)).toHaveLength(1);
  });

  it("answers with the new columns after the table changed under a prepared `select *`", async () => {
    const d = await open();
    await sql`create table items (id int primary key)`.execute(d);
    await sql`insert into items values (1)`.execute(d);
    const read = (from: Db = d) => from.selectFrom("items" as never).selectAll().where("id" as never, "=", 1 as never).execute();
    expect(await read()).toEqual([{ id: 1 }]);
    // Another instance's migration, as far as this connection can tell.
    await sql`alter table items add column label text not null default 'x'`.execute(d);
    expect(await read()).toEqual([{ id: 1, label: "x" }]);
    // The stale statement was deallocated: the read's text is prepared once on the session, not twice.
    const text = 'select * from "items" where "id" = $1';
    expect((await prepared(d)).filter((s) => s === text)).toHaveLength(1);
    // Inside a transaction reads go unnamed: the changed table answers at once there too.
    await sql`alter table items add column n int not null default 7`.execute(d);
    expect(await d.transaction().execute((tx) => read(tx))).toEqual([{ id: 1, label: "x", n: 7 }]);
    expect(await read()).toEqual([{ id: 1, label: "x", n: 7 }]);
  });

  it("names neither writes nor anything sent inside a transaction", async () => {
    const d = await open();
    await sql`create table counts (k int primary key, n int not null)`.execute(d);
    for (let i = 0; i < 6; i++) {
      await sql`insert into counts values (${i}, ${i * 10})`.execute(d);
      await sql`update counts set n = n + ${1} where k = ${i}`.execute(d);
    }
    const inTx = await d.transaction().execute(async (tx) => (await sql<{ n: number }>`select sum(n)::int as n from counts where k < ${6}`.execute(tx)).rows[0]!.n);
    expect(inTx).toBe([0, 1, 2, 3, 4, 5].reduce((a, i) => a + i * 10 + 1, 0));
    expect(await prepared(d)).toEqual([]);
    // The same read outside a transaction is named.
    await sql`select sum(n)::int as n from counts where k < ${6}`.execute(d);
    expect(await prepared(d)).toEqual(["select sum(n)::int as n from counts where k < $1"]);
  });

  it(`keeps at most ${MAX_NAMED} statements per connection and leaves long texts unnamed`, async () => {
    const d = await open();
    const n = MAX_NAMED + 25;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (await sql<{ v: number }>`select ${sql.raw(String(i))} + ${1}::int as v`.execute(d)).rows[0]!.v;
    expect(sum).toBe((n * (n - 1)) / 2 + n);
    // The first MAX_NAMED texts are named; the rest ran unnamed.
    const names = await prepared(d);
    expect(names).toHaveLength(MAX_NAMED);
    expect(names).toContain("select 0 + $1::int as v");
    expect(names).not.toContain(`select ${n - 1} + $1::int as v`);
    const padding = "x".repeat(MAX_TEXT);
    const long = await sql<{ v: string }>`select ${"a"}::text || ${sql.lit(padding)} as v`.execute(d);
    expect(long.rows[0]!.v).toHaveLength(MAX_TEXT + 1);
    expect((await prepared(d)).some((s) => s.includes(padding))).toBe(false);
  });

  it("sends a text without values as it did, several statements in one included", async () => {
    const d = await open();
    await sql`create table marks (n int)`.execute(d);
    await sql`insert into marks values (1); insert into marks values (2)`.execute(d);
    expect((await sql<{ n: number }>`select n from marks order by n`.execute(d)).rows).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await prepared(d)).toEqual([]);
  });

  it("a failing statement leaves the connection usable and its next call runs", async () => {
    const d = await open();
    await expect(sql`select 1 / ${0}::int as v`.execute(d)).rejects.toThrow(/division by zero/);
    expect((await sql<{ v: number }>`select 1 / ${1}::int as v`.execute(d)).rows[0]!.v).toBe(1);
  });
});
