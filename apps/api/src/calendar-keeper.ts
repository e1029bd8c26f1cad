import { isTimeZone } from "@tally/shared";
import { canonicalZone, type Db, fillCalendars, wantCalendar, withJobLock } from "@tally/shared/db";
import { fillTagKeys } from "@tally/inngest-functions";

/**
 * Keeps local calendars (@tally/shared/db calendars.ts) for the zones people view in, as well as the
 * configured ones: the first request in a zone without one adds its calendars (up to `cap` such zones; one
 * unused for two weeks makes room), and they fill in the background, a UTC day of rows per transaction,
 * yielding to requests between transactions. Until a calendar is complete, series in its zone read UTC
 * rows and edges: the same answers, only slower. Newly promoted tag keys fill here too (fillTagKeys).
 * Nothing here waits in, or fails, a request.
 *
 * Several instances on one database: the fill runs in one of them at a time, under the job lock
 * (withJobLock "calendarFill", a PostgreSQL session lock that ends with its connection). An instance that
 * finds the lock held looks again every `retryMs`, so when the filling instance dies (even mid-transaction:
 * that chunk rolls back, the cursor stays) a survivor carries on at the cursor. Every `sweepMs` each
 * instance looks for pending work anyway (a calendar another instance added, then died before filling).
 */
export interface CalendarKeeper {
  /** A request in `timeZone` (any string; unknown zones and UTC are ignored). Never waits, never throws. */
  note(timeZone: string): void;
  /** Fills pending calendars (start-up's configured ones, say) and pending promoted tag keys in the background. */
  fill(): void;
  /** Resolves once nothing is being asked or filled here (a fill another instance holds is not waited for). */
  idle(): Promise<void>;
  /** Stops filling after the current transaction, and resolves when nothing runs. */
  stop(): Promise<void>;
}

/** A zone already asked for is asked again (to mark its calendar used) at most this often. */
const ASK_EVERY_MS = 3_600_000;
/** While another instance holds the fill, look again this often (how soon a survivor takes over). */
export const JOB_RETRY_MS = 5_000;
/** Look for pending work this often even when nothing asked (work left by an instance that died). */
export const JOB_SWEEP_MS = 60_000;

export interface KeeperOptions {
  cap: number;
  retryMs?: number;
  sweepMs?: number;
  now?: () => number;
  log?: (e: unknown) => void;
}

export function createCalendarKeeper(db: Db, opts: KeeperOptions): CalendarKeeper {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((e: unknown) => console.error("local calendars:", e));
  const asked = new Map<string, number>();
  let asking: Promise<void> = Promise.resolve();
  let filling: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pause = () => new Promise<boolean>((ok) => setImmediate(() => ok(!stopped)));
  const later = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(fill, ms).unref();
  };

  function fill(): void {
    again = true;
    // A calendar added while a fill is finishing is filled by the next round (`again`).
    filling ??= (async () => {
      let next = opts.sweepMs ?? JOB_SWEEP_MS;
      while (again && !stopped) {
        again = false;
        const ran = await withJobLock(db, "calendarFill", async () => {
          await fillCalendars(db, pause);
          // Newly promoted tag keys (TALLY_TAG_KEYS) fill the same way, a UTC day per transaction.
          if (!stopped) await fillTagKeys(db, { pause });
        });
        if (!ran) next = opts.retryMs ?? JOB_RETRY_MS; // another instance fills; take over if it dies
      }
      later(next);
    })()
      .catch((e) => {
        log(e);
        later(opts.retryMs ?? JOB_RETRY_MS);
      })
      .finally(() => (filling = null));
  }

  return {
    note(timeZone) {
      if (stopped || opts.cap <= 0 || !isTimeZone(timeZone)) return;
      const zone = canonicalZone(timeZone);
      const t = now();
      if (zone === "UTC" || t - (asked.get(zone) ?? -Infinity) < ASK_EVERY_MS) return;
      if (asked.size >= 1000) asked.clear();
      asked.set(zone, t);
      asking = asking
        .then(async () => {
          if (!stopped && (await wantCalendar(db, timeZone, { now: t, cap: opts.cap })) === "added") fill();
        })
        .catch(log);
    },
    fill,
    async idle() {
      await asking;
      while (filling) await filling;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await asking;
      await filling;
    },
  };
}
