import { sql } from "kysely";
import type { AuditFilter, AuditListInput } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { decodeCursor, encodeCursor } from "./common.ts";

/** One audit log entry as the API shows it: `before`/`after` parsed back from their JSON. */
export interface AuditItem {
  id: number;
  at: number;
  actorType: "user" | "api_key" | "system";
  actorId: string;
  /** The user's email or the key's name at the time. */
  actorLabel: string;
  action: string;
  target: string;
  /** null: the entry created it (before) or removed it (after). */
  before: unknown;
  after: unknown;
}

interface Cursor {
  at: number;
  id: number;
}
const isCursor = (v: unknown): v is Cursor =>
  typeof v === "object" && v !== null && Number.isSafeInteger((v as Cursor).at) && Number.isSafeInteger((v as Cursor).id);

/** `text` anywhere in the column, any case: LIKE's own wildcards in the text are matched literally. */
const contains = (column: "actor_label" | "actor_id" | "target", text: string) =>
  sql<boolean>`lower(${sql.ref(column)}) like lower(${`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}) escape '\\'`;

/** The matching entries, newest first, keyset-ordered on (at, id); after `after` when given. Read-only. */
export function auditQuery(db: Db, f: AuditFilter, after?: Cursor) {
  let q = db.selectFrom("audit_log").selectAll();
  if (f.from !== undefined) q = q.where("at", ">=", f.from);
  if (f.to !== undefined) q = q.where("at", "<", f.to);
  if (f.action !== undefined) q = q.where("action", "=", f.action);
  const actor = f.actor?.trim();
  if (actor) q = q.where((eb) => eb.or([contains("actor_label", actor), contains("actor_id", actor)]));
  const target = f.target?.trim();
  if (target) q = q.where(contains("target", target));
  if (after) q = q.where((eb) => eb.or([eb("at", "<", after.at), eb.and([eb("at", "=", after.at), eb("id", "<", after.id)])]));
  return q.orderBy("at", "desc").orderBy("id", "desc");
}

type Row = Awaited<ReturnType<ReturnType<typeof auditQuery>["execute"]>>[number];
export const toAuditItem = (r: Row): AuditItem => ({
  id: Number(r.id),
  at: Number(r.at),
  actorType: r.actor_type,
  actorId: r.actor_id,
  actorLabel: r.actor_label,
  action: r.action,
  target: r.target,
  before: r.before === null ? null : JSON.parse(r.before),
  after: r.after === null ? null : JSON.parse(r.after),
});

/** `audit.list`: one page, newest first. A malformed cursor is a 400 on `cursor`. */
export async function listAudit(db: Db, f: AuditListInput): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const rows = await auditQuery(db, f, decodeCursor(f.cursor, isCursor))
    .limit(f.limit + 1)
    .execute();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > f.limit && last ? encodeCursor({ at: Number(last.at), id: Number(last.id) }) : null;
  return { items: page.map(toAuditItem), nextCursor };
}
