import type { AlertNotificationTable, AlertStateTable, Db } from "@tally/shared/db";

/** What the cron needs of one evaluation (A1's `AlertEvaluation` has these and more). */
export interface EvaluatedState {
  subject: string;
  period: string;
  firing: boolean;
  value: number | null;
  threshold: number | null;
  message: string;
  link: string;
}

type Event = AlertNotificationTable["event"];

export interface Transition {
  event: Event;
  subject: string;
  /** The period (a month and threshold, a rolling window's episode): a firing and its resolution share it. */
  period: string;
  message: string;
  link: string;
}

/**
 * The notification id: one per rule × subject × period × episode × event × channel, whatever ticks repeat.
 * The first episode of a period has no number (`…:firing:<channel>`); the n-th, after n − 1 firings in the
 * same period (a budget back over its threshold after a raise, a rolling rule firing again within its
 * bucket), ends in `:<n>`, and its resolution too: it is sent, and a repeated tick still maps to the same id.
 */
export function notificationId(ruleId: string, t: Pick<Transition, "subject" | "period" | "event">, channelId: string, episode = 1): string {
  return `${ruleId}:${t.subject}:${t.period}:${t.event}:${channelId}${episode > 1 ? `:${episode}` : ""}`;
}

const key = (subject: string, period: string) => `${subject}\u0000${period}`;

/**
 * Compares one rule's evaluations with its stored states, matched by subject and period, and says what
 * changed: not firing (or no state) → firing is "firing", firing → not firing is "resolved". evaluateRules
 * names the periods so this holds across ticks: a rolling window's episode keeps the period it began in
 * while it fires, and every firing state it no longer reports comes back not firing, so it resolves here.
 * Pure: `next` is the complete new set of states (states the rule no longer reports are dropped).
 */
export function transitions(
  ruleId: string,
  previous: AlertStateTable[],
  evaluations: EvaluatedState[],
  now: number,
): { changes: Transition[]; next: AlertStateTable[] } {
  const byKey = new Map(previous.map((s) => [key(s.subject, s.period), s]));
  const current = new Map<string, EvaluatedState>();
  for (const e of evaluations) current.set(key(e.subject, e.period), e);
  const changes: Transition[] = [];
  const next: AlertStateTable[] = [];
  for (const e of current.values()) {
    const prev = byKey.get(key(e.subject, e.period));
    const wasFiring = prev?.firing === 1;
    if (e.firing !== wasFiring) changes.push({ event: e.firing ? "firing" : "resolved", subject: e.subject, period: e.period, message: e.message, link: e.link });
    next.push({
      rule_id: ruleId,
      subject: e.subject,
      period: e.period,
      firing: e.firing ? 1 : 0,
      value: e.value,
      threshold: e.threshold,
      message: e.message,
      link: e.link,
      since: prev && wasFiring === e.firing ? prev.since : now,
      evaluated_at: now,
    });
  }
  return { changes, next };
}

/**
 * The evaluations that can change something: the firing ones, and those of a subject × period with a firing
 * state (they resolve it). The rest (most customers, most of the time) are left out of the step's output, so
 * a tick's memoised state stays small at thousands of subjects, and `alert_states` holds firing states (and
 * a resolution until the next tick).
 */
export async function changeable<E extends EvaluatedState>(db: Db, ruleId: string, evaluations: E[]): Promise<E[]> {
  const firing = await db.selectFrom("alert_states").select(["subject", "period"]).where("rule_id", "=", ruleId).where("firing", "=", 1).execute();
  const keys = new Set(firing.map((s) => key(s.subject, s.period)));
  return evaluations.filter((e) => e.firing || keys.has(key(e.subject, e.period)));
}

/**
 * Records one rule's evaluations in one write transaction: its states replaced by `next`, and for each
 * transition a pending notification per channel, inserted or ignored by id (`notificationId`, numbered by
 * episode), so a retried step or a duplicate tick adds nothing. Returns the notifications this call added.
 */
export async function recordEvaluations(
  db: Db,
  ruleId: string,
  evaluations: EvaluatedState[],
  channels: string[],
  now: number,
): Promise<{ added: string[]; transitions: number }> {
  return db.transaction().execute(async (trx) => {
    // A rule turned off (or removed) since this tick read it keeps no state: turned back on, it starts afresh.
    const rule = await trx.selectFrom("alert_rules").select("enabled").where("id", "=", ruleId).executeTakeFirst();
    if (rule?.enabled !== 1) {
      await trx.deleteFrom("alert_states").where("rule_id", "=", ruleId).execute();
      return { added: [], transitions: 0 };
    }
    const previous = await trx.selectFrom("alert_states").selectAll().where("rule_id", "=", ruleId).execute();
    const { changes, next } = transitions(ruleId, previous, evaluations, now);
    await trx.deleteFrom("alert_states").where("rule_id", "=", ruleId).execute();
    for (let i = 0; i < next.length; i += 100) await trx.insertInto("alert_states").values(next.slice(i, i + 100)).execute();
    const added: string[] = [];
    for (const t of changes) {
      for (const channel of channels) {
        // Episodes so far (firings of this period): a firing is the next one, a resolution pairs with the last.
        const { n } = await trx
          .selectFrom("alert_notifications")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("rule_id", "=", ruleId)
          .where("subject", "=", t.subject)
          .where("period", "=", t.period)
          .where("channel_id", "=", channel)
          .where("event", "=", "firing")
          .executeTakeFirstOrThrow();
        const id = notificationId(ruleId, t, channel, t.event === "firing" ? Number(n) + 1 : Math.max(1, Number(n)));
        const res = await trx
          .insertInto("alert_notifications")
          .values({
            id,
            rule_id: ruleId,
            subject: t.subject,
            period: t.period,
            event: t.event,
            channel_id: channel,
            status: "pending",
            attempts: 0,
            last_error: null,
            message: t.message,
            link: t.link,
            created_at: now,
            sent_at: null,
          })
          .onConflict((oc) => oc.column("id").doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) added.push(id);
      }
    }
    return { added, transitions: changes.length };
  });
}
