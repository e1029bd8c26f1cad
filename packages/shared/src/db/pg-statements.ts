import pg from "pg";

/**
 * PostgreSQL's twin of SQLite's statement cache (connect.ts), for reads: each pooled connection names the reads
 * it sends outside a transaction (a protocol-level prepared statement per SQL text, as pgjdbc does past its
 * prepareThreshold). The server then parses a read once per connection, and after five executions may keep one
 * generic plan for it (`plan_cache_mode = auto`, the default: only while that plan is costed no worse than the
 * custom ones). The dashboard's reads are a few shapes sent again and again with new values (windows, filters),
 * and planning them (IN lists of buckets and keys, unions of grains) cost about as much as running them. At 1M
 * runs, per statement, median of 21 calls through pg: one customer's quality by day over 30 days 3.5 → 2.5 ms
 * and 1.9 → 0.8 ms; spend by customer over 30 days 2.3 → 1.7 and 2.4 → 1.5 ms; a page of 50 customers'
 * sparklines stayed on custom plans (a generic one was costed higher: forced, it took 9 ms, not 2.6).
 *
 * Writes and everything inside a transaction go unnamed: the rollup upserts are 79–234 KB texts, and prepared,
 * each would hold megabytes of server memory per connection (a 234 KB one: ~7 MB). An earlier try that named
 * them too looked slower for ingestion through server processes, but that bench phase is bimodal and favours
 * whichever code runs first in a pair; it was not measured again in both orders.
 * Bounded: texts longer than MAX_TEXT (long key lists, rarely sent twice) go unnamed, and so does every new
 * text once a connection holds MAX_NAMED (connect.ts replaces connections after 30 minutes). A named read
 * whose result columns changed under it (another instance migrated the schema; PostgreSQL answers "cached plan
 * must not change result type") is named afresh and sent again at once, and the stale statement is deallocated
 * (on the server and in pg's record of what this connection has parsed), so the bound holds.
 */
export const MAX_NAMED = 200;
export const MAX_TEXT = 16_000;
const READ = /^\s*(select|with)\b/i;
const resultTypeChanged = (e: unknown) =>
  (e as { code?: string }).code === "0A000" && /must not change result type/.test(String((e as Error).message));

export class StatementCachingClient extends pg.Client {
  readonly #names = new Map<string, string>();
  #serial = 0;

  // Kysely calls query(text, values) and awaits the promise. Every other form goes to pg as it is, and so does a
  // text without values (pg sends that one as a simple query, which may hold several statements), a write, and
  // any statement while the connection is in a transaction ("I": idle outside one).
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() is overloaded (callbacks, Submittables, promises); this forwards every form.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config !== "string" || !Array.isArray(values) || values.length === 0 || callback !== undefined || config.length > MAX_TEXT || !READ.test(config) || this.getTransactionStatus() !== "I") {
      return super.query(config, values, callback);
    }
    return this.#named(config, values);
  }

  async #named(text: string, values: unknown[], retried = false): Promise<pg.QueryResult> {
    let name = this.#names.get(text);
    if (name === undefined) {
      if (this.#names.size >= MAX_NAMED) return super.query(text, values);
      name = `tally_${++this.#serial}`;
      this.#names.set(text, name);
    }
    try {
      return await super.query({ name, text, values });
    } catch (e) {
      if (!resultTypeChanged(e) || retried) throw e;
      this.#names.delete(text);
      await super.query(`deallocate ${name}`); // our own name: tally_<serial>
      delete (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements[name];
      return this.#named(text, values, true);
    }
  }
}
