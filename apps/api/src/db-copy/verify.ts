import { sql } from "kysely";
import type { AnyDb, TablePlan } from "./tables.ts";

/** A table's row count and the sum of each numeric column (null: no rows, or only NULLs). */
export interface TableTotals {
  rows: number;
  sums: Record<string, number | null>;
}

/** One line of the verification: the table, both counts, the columns summed, and what differs. */
export interface VerifiedTable {
  table: string;
  sourceRows: number;
  targetRows: number;
  columnsSummed: number;
  /** `column: source ≠ target` for each sum that differs (and `rows` for the count). Empty: equal. */
  differences: string[];
}

/**
 * Counts and sums every numeric column of each table, one statement per table. An integer column's sum is
 * exact on both engines (SQLite: 64-bit integer; PostgreSQL: numeric), read as the nearest double.
 */
export async function totalsOf(db: AnyDb, plans: TablePlan[]): Promise<Map<string, TableTotals>> {
  const out = new Map<string, TableTotals>();
  for (const plan of plans) {
    const numeric = [...plan.integers, ...plan.floats];
    // An integer column's values summed as the copy writes them: a fraction SQLite kept is rounded first.
    const sums = numeric.map((c, i) =>
      plan.integers.includes(c) ? sql`sum(cast(round(${sql.ref(c)}) as bigint)) as ${sql.id(`s${i}`)}` : sql`sum(${sql.ref(c)}) as ${sql.id(`s${i}`)}`,
    );
    const row = (await sql<Record<string, unknown>>`select ${sql.join([sql`count(*) as n`, ...sums])} from ${sql.table(plan.name)}`.execute(db)).rows[0]!;
    out.set(plan.name, {
      rows: Number(row.n),
      sums: Object.fromEntries(numeric.map((c, i) => [c, row[`s${i}`] === null ? null : Number(row[`s${i}`])])),
    });
  }
  return out;
}

/**
 * Both sides' totals, table by table. Whole-number sums must be equal; floating-point sums within a relative
 * 1e-9 (SQLite and PostgreSQL add doubles in different orders, so the last bits may differ).
 */
export function compareTotals(plans: TablePlan[], source: Map<string, TableTotals>, target: Map<string, TableTotals>): VerifiedTable[] {
  return plans.map((plan) => {
    const s = source.get(plan.name)!;
    const t = target.get(plan.name)!;
    const differences: string[] = [];
    if (s.rows !== t.rows) differences.push(`rows: ${s.rows} ≠ ${t.rows}`);
    for (const c of plan.integers) if (s.sums[c] !== t.sums[c]) differences.push(`${c}: ${s.sums[c]} ≠ ${t.sums[c]}`);
    for (const c of plan.floats) if (!closeEnough(s.sums[c] ?? null, t.sums[c] ?? null)) differences.push(`${c}: ${s.sums[c]} ≠ ${t.sums[c]}`);
    return { table: plan.name, sourceRows: s.rows, targetRows: t.rows, columnsSummed: plan.integers.length + plan.floats.length, differences };
  });
}

function closeEnough(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** The verification as a text table, one line per table, then the verdict. */
export function formatVerification(rows: VerifiedTable[]): string {
  const width = Math.max(5, ...rows.map((r) => r.table.length));
  const num = (n: number) => n.toLocaleString("en-US").padStart(12);
  const lines = [`${"table".padEnd(width)}  ${"source rows".padStart(12)}  ${"target rows".padStart(12)}  ${"sums".padStart(4)}  check`];
  for (const r of rows) {
    const check = r.differences.length ? `DIFFERS  ${r.differences.join("; ")}` : "equal";
    lines.push(`${r.table.padEnd(width)}  ${num(r.sourceRows)}  ${num(r.targetRows)}  ${String(r.columnsSummed).padStart(4)}  ${check}`);
  }
  const bad = rows.filter((r) => r.differences.length).length;
  const sums = rows.reduce((s, r) => s + r.columnsSummed, 0);
  lines.push(
    bad
      ? `${bad} of ${rows.length} tables differ.`
      : `All ${rows.length} tables equal: row counts and the sums of ${sums} numeric columns.`,
  );
  return lines.join("\n");
}
