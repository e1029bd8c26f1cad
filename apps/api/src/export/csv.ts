import { once } from "node:events";
import type { ServerResponse } from "node:http";

export type Cell = string | number | null | undefined;

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvLine(cells: Cell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** Micro-USD as an exact decimal USD string (no float rounding). */
export function usd(micros: number | null): string | null {
  if (micros === null) return null;
  const m = Math.round(micros);
  const sign = m < 0 ? "-" : "";
  const a = Math.abs(m);
  return `${sign}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, "0")}`;
}

/** The client went away mid-download: stop reading pages, nothing to answer. */
export class ClientGone extends Error {}

/** How long a download may stop reading (a full socket buffer that does not drain) before it is cut off. */
export const STALL_MS = 60_000;

/**
 * Writes with backpressure: waits for `drain` when the socket's buffer is full, and throws `ClientGone`
 * once the client has closed the connection, so an aborted download stops instead of waiting forever. A client
 * that keeps the connection open but stops reading for `stallMs` is cut off the same way: its export slot
 * (slots.ts) would otherwise be held for as long as it liked. Every write then yields to the event loop
 * (`setImmediate`): the SQLite driver reads the next page synchronously, and a loopback socket drains at
 * once, so a long export would otherwise hold every other request.
 */
export async function write(res: ServerResponse, chunk: string, stallMs = STALL_MS): Promise<void> {
  if (res.destroyed) throw new ClientGone("the client closed the download");
  res.write(chunk);
  await new Promise((r) => setImmediate(r));
  if (res.destroyed) throw new ClientGone("the client closed the download");
  // Still full after the yield (a slow client): wait until it has drained, or give up on it.
  if (!res.writableNeedDrain) return;
  const settled = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<"stalled">((resolve) => {
    timer = setTimeout(() => resolve("stalled"), stallMs);
  });
  try {
    const outcome = await Promise.race([once(res, "drain", { signal: settled.signal }), once(res, "close", { signal: settled.signal }), stalled]);
    if (outcome === "stalled") {
      res.destroy();
      throw new ClientGone(`the client read nothing for ${stallMs / 1000} s`);
    }
  } finally {
    clearTimeout(timer);
    settled.abort(); // detach the listeners that lost the race
  }
  if (res.destroyed) throw new ClientGone("the client closed the download");
}

/**
 * A CSV body whose header line goes out with the first rows (or alone at `end`), after the first page was
 * read: a filter the query refuses (a tag not promoted) is then still answered with a 400, not a cut-off file.
 */
export function csvBody(res: ServerResponse, header: Cell[]) {
  let pending: string | null = csvLine(header);
  const take = () => {
    const head = pending ?? "";
    pending = null;
    return head;
  };
  return {
    write: async (rows: string) => {
      if (rows || pending) await write(res, take() + rows);
    },
    end: async () => {
      if (pending) await write(res, take());
    },
  };
}
