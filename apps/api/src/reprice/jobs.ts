import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { RepriceStartInput } from "@tally/shared";
import type { Db, RepriceJobTable } from "@tally/shared/db";
import { writeAudit } from "../auth/audit.ts";
import type { Actor } from "../auth/principal.ts";
import { countScopeLines, type StoredScope, storedScope } from "./lines.ts";
import { pokeRepricers } from "./runner.ts";

/**
 * `reprice.start`: records a pending job over the scope (audited `reprice.start`) and wakes the runner,
 * which reprices it in batches (runner.ts). The stored ids the scope covers are fixed now.
 */
export async function startReprice(db: Db, actor: Actor, input: RepriceStartInput, now: number): Promise<{ jobId: string }> {
  const { reason, ...asked } = input;
  const scope = await storedScope(db, asked);
  const total = await countScopeLines(db, scope);
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("reprice_jobs")
      .values({
        id,
        status: "pending",
        scope: JSON.stringify(scope),
        reason,
        created_by: actor.label,
        created_at: now,
        started_at: null,
        finished_at: null,
        lines_total: total,
        lines_done: 0,
        lines_changed: 0,
        cursor: null,
        before_micros: 0,
        after_micros: 0,
        before_unpriced: 0,
        after_unpriced: 0,
        error: null,
      })
      .execute();
    await writeAudit(trx, actor, { action: "reprice.start", target: `reprice:${id}`, before: null, after: { scope, reason, linesTotal: total } }, now);
  });
  pokeRepricers();
  return { jobId: id };
}

export interface RepriceJobItem {
  id: string;
  status: RepriceJobTable["status"];
  scope: StoredScope;
  reason: string;
  createdBy: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  linesTotal: number;
  linesDone: number;
  linesChanged: number;
  /** Priced micro-USD of the lines done, before and after; null when none of them is priced (never 0 for unpriced). */
  beforeMicros: number | null;
  afterMicros: number | null;
  beforeUnpriced: number;
  afterUnpriced: number;
  error: string | null;
}

function toItem(r: RepriceJobTable): RepriceJobItem {
  const done = Number(r.lines_done);
  return {
    id: r.id,
    status: r.status,
    scope: JSON.parse(r.scope) as StoredScope,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    startedAt: r.started_at === null ? null : Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    linesTotal: Number(r.lines_total),
    linesDone: done,
    linesChanged: Number(r.lines_changed),
    beforeMicros: done - Number(r.before_unpriced) > 0 ? Number(r.before_micros) : null,
    afterMicros: done - Number(r.after_unpriced) > 0 ? Number(r.after_micros) : null,
    beforeUnpriced: Number(r.before_unpriced),
    afterUnpriced: Number(r.after_unpriced),
    error: r.error,
  };
}

/** `reprice.jobs`: the newest 100 jobs, newest first. */
export async function listRepriceJobs(db: Db): Promise<RepriceJobItem[]> {
  const rows = await db.selectFrom("reprice_jobs").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(100).execute();
  return rows.map(toItem);
}

/** `reprice.job`: one job, NOT_FOUND when there is none with that id. */
export async function getRepriceJob(db: Db, id: string): Promise<RepriceJobItem> {
  const r = await db.selectFrom("reprice_jobs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r) throw new TRPCError({ code: "NOT_FOUND", message: `no repricing job ${id}` });
  return toItem(r);
}
