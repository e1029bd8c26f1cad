import type { AuditAction } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import type { Actor } from "./principal.ts";

export interface AuditEntry {
  /** The procedure or event, e.g. `prices.upsert`: one of AUDIT_ACTIONS (@tally/shared), which `audit.list` filters on. */
  action: AuditAction;
  /** What changed, e.g. `customer:acme`, `price:gpt-4o/openai@2026-01-01T00:00:00.000Z`. */
  target: string;
  before: unknown;
  after: unknown;
}

/**
 * Records a change in the caller's transaction (`trx`), so the change and its record land together or not
 * at all. Append-only: nothing in Tally updates or deletes an audit row.
 */
export async function writeAudit(trx: Db, actor: Actor, entry: AuditEntry, now: number): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({
      at: now,
      actor_type: actor.kind,
      actor_id: actor.id,
      actor_label: actor.label,
      action: entry.action,
      target: entry.target,
      before: entry.before == null ? null : JSON.stringify(entry.before),
      after: entry.after == null ? null : JSON.stringify(entry.after),
    })
    .execute();
}
