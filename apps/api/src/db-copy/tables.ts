import type { Kysely } from "kysely";
import { type ColumnInfo, listTables, referencedTables, tableColumns } from "@tally/shared/db";
import { CopyError } from "./open.ts";

// biome-ignore lint/suspicious/noExplicitAny: every table, by name
export type AnyDb = Kysely<any>;

/** One table to copy: its columns (the source's order), primary key, and the numeric columns verification sums. */
export interface TablePlan {
  name: string;
  columns: string[];
  primaryKey: string[];
  /** Whole-number columns: their sums must be equal on both sides. */
  integers: string[];
  /** Floating-point columns: their sums may differ in the last bits (the engines add in different orders). */
  floats: string[];
  /**
   * Rows never change once written, under ids the database numbers (the audit log): a target row under a
   * source row's id with other content is the target's own entry, which a copy must not overwrite.
   */
  appendOnly: boolean;
}

const APPEND_ONLY = new Set(["audit_log"]);

const INTEGER_TYPES = new Set(["integer", "bigint", "smallint", "int", "int4", "int8"]);
const FLOAT_TYPES = new Set(["double precision", "real", "float", "numeric"]);

/** Tables of the schema, not its data: the migration bookkeeping (each side has its own) and SQLite's internals. */
const isBookkeeping = (name: string): boolean => name.startsWith("kysely_migration") || name.startsWith("sqlite_");

/**
 * Every table of the source, each after the tables its foreign keys point at (auth_user before auth_session,
 * runs before scores), checked against the target: same tables, same columns, a primary key to page by.
 */
export async function planTables(source: AnyDb, target: AnyDb): Promise<TablePlan[]> {
  const names = (await listTables(source, "%")).filter((n) => !isBookkeeping(n));
  const targetNames = new Set(await listTables(target, "%"));
  const missing = names.filter((n) => !targetNames.has(n));
  if (missing.length) throw new CopyError(`the target lacks table(s) the source has: ${missing.join(", ")} (are both at the same Tally version?)`);
  const plans = new Map<string, TablePlan>();
  const after = new Map<string, string[]>();
  for (const name of names) {
    const cols = await tableColumns(source, name);
    const targetCols = new Set((await tableColumns(target, name)).map((c) => c.name));
    const absent = cols.filter((c) => !targetCols.has(c.name)).map((c) => c.name);
    if (absent.length) throw new CopyError(`table ${name}: the target lacks column(s) ${absent.join(", ")}`);
    plans.set(name, planOf(name, cols));
    after.set(name, (await referencedTables(source, name)).filter((t) => names.includes(t)));
  }
  return dependenciesFirst(names, after).map((n) => plans.get(n)!);
}

function planOf(name: string, cols: ColumnInfo[]): TablePlan {
  const primaryKey = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  if (!primaryKey.length) throw new CopyError(`table ${name} has no primary key: it cannot be copied in pages`);
  return {
    name,
    columns: cols.map((c) => c.name),
    primaryKey,
    integers: cols.filter((c) => INTEGER_TYPES.has(c.type)).map((c) => c.name),
    floats: cols.filter((c) => FLOAT_TYPES.has(c.type)).map((c) => c.name),
    appendOnly: APPEND_ONLY.has(name),
  };
}

/** Names ordered so a table comes after every table it references (alphabetical among equals). */
function dependenciesFirst(names: string[], after: Map<string, string[]>): string[] {
  const out: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (n: string) => {
    if (state.get(n) === "done") return;
    if (state.get(n) === "visiting") throw new CopyError(`foreign keys form a cycle through ${n}`);
    state.set(n, "visiting");
    for (const dep of after.get(n) ?? []) visit(dep);
    state.set(n, "done");
    out.push(n);
  };
  for (const n of names) visit(n);
  return out;
}
