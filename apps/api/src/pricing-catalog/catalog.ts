import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Provider, updatePrices, waitForUpdate } from "@pydantic/genai-prices";
import type { Db } from "@tally/shared/db";
import { z } from "zod";
import { forgetCatalogMatches } from "@tally/shared/pricing";
import { type CatalogChange, catalogDataSchema, changedModels, modelCount, parseCatalog } from "./catalog-data.ts";

/**
 * The genai-prices catalog `calcPrice` prices with (issue 17 §4): the data bundled with the package, or, with
 * GENAI_PRICES_URL, a data file downloaded at start-up (when the cache is missing or older than
 * GENAI_PRICES_REFRESH_HOURS), every GENAI_PRICES_REFRESH_HOURS and on `prices.refreshCatalog`. A download
 * is checked (catalog-data.ts) before it replaces the data in use; a failed or malformed one keeps the data
 * in use and is reported. The cache is the settings row `genai_prices_catalog` (written whole in one statement):
 * the data with when it was fetched and which models it changed, so a restart prices with it without the
 * network, and every instance on the database shares it: one starts from another's download, and the periodic
 * check takes a download younger than the period from the database instead of fetching again. A
 * `genai-prices-cache.json` an older version left beside a SQLite file is the starting cache when the database
 * has none (copied into it once). genai-prices holds its data per process, so this does too.
 */

/** The data the installed package ships with, read before anything replaced it. */
const BUNDLED = (await waitForUpdate())!;

export interface CatalogConfig {
  url: string | undefined;
  /** 0: no periodic refresh (start-up and the Settings button only). */
  refreshHours: number;
  /** Where the cache is kept (null: no cache). */
  db: Db | null;
  /** The cache file an older version kept beside a SQLite database (legacyCatalogCacheFile); null: none. */
  legacyCacheFile: string | null;
}

export interface CatalogStatus {
  source: "bundled" | "cache" | "download";
  url: string | null;
  /** When the data in use was downloaded (null: bundled). */
  fetchedAt: number | null;
  models: number;
  /** When a download last changed prices, and the catalog models it changed (added, removed, repriced). */
  changedAt: number | null;
  changes: CatalogChange[];
  lastAttemptAt: number | null;
  /** Why the last download (or the cache at start-up) was not used; null when it was. */
  lastError: string | null;
  refreshHours: number;
}

const cacheSchema = z.object({
  version: z.literal(1),
  url: z.string(),
  fetchedAt: z.number(),
  changedAt: z.number().nullable(),
  changes: z.array(z.object({ provider: z.string(), model: z.string(), change: z.enum(["added", "removed", "changed"]) })),
  providers: catalogDataSchema,
});

const MAX_BYTES = 64 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

const CACHE_KEY = "genai_prices_catalog";

let config: CatalogConfig = { url: undefined, refreshHours: 0, db: null, legacyCacheFile: null };
let active: Provider[] = BUNDLED;
let state = initialState();
let timer: NodeJS.Timeout | null = null;
let inflight: Promise<CatalogStatus> | null = null;

function initialState(): Omit<CatalogStatus, "models" | "url" | "refreshHours"> {
  return { source: "bundled", fetchedAt: null, changedAt: null, changes: [], lastAttemptAt: null, lastError: null };
}

export function catalogStatus(): CatalogStatus {
  return { ...state, url: config.url ? shownUrl(config.url) : null, models: modelCount(active), refreshHours: config.refreshHours };
}

/**
 * The catalog's URL as every reader may see it (prices.catalog is a viewer's read, its error text too): without
 * a user, password, query or fragment, which a private mirror's URL may carry as credentials.
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.username || u.password || u.search || u.hash ? " (credentials and query hidden)" : "";
    return `${u.protocol}//${u.host}${u.pathname}${hidden}`;
  } catch {
    return "(the configured URL)";
  }
}

/** Hands the providers to genai-prices (which throws on a shape it cannot read: the data in use stays). */
function install(providers: Provider[]): void {
  updatePrices(({ setProviderData }) => setProviderData(providers));
  active = providers;
  forgetCatalogMatches();
}

/**
 * Start-up: the cached data when there is a usable cache (no network needed), then a download in the
 * background when there is no cache or it is older than the refresh period, and a check every period.
 */
export async function startCatalog(c: CatalogConfig, now = Date.now()): Promise<void> {
  stopCatalog();
  config = c;
  if (!c.url) return;
  let cached = await readStoredCache();
  if (cached === null && c.legacyCacheFile) cached = await importLegacyCache(c.legacyCacheFile);
  if (cached instanceof Error) state.lastError = cached.message;
  else if (cached) adopt(cached);
  const periodMs = c.refreshHours * 3_600_000;
  if (state.fetchedAt === null || (periodMs > 0 && now - state.fetchedAt >= periodMs)) void refreshCatalog();
  if (periodMs > 0) timer = setInterval(() => void refreshIfDue(periodMs), periodMs).unref();
}

/** Stops the periodic refresh and puts the bundled data back (the server is closing). */
export function stopCatalog(): void {
  if (timer) clearInterval(timer);
  timer = null;
  if (active !== BUNDLED) install(BUNDLED);
  state = initialState();
}

type Cache = z.infer<typeof cacheSchema>;

/** Puts cached data in use (genai-prices may still refuse it: reported, the data in use stays). */
function adopt(cached: Cache): void {
  try {
    install(cached.providers as unknown as Provider[]);
    state = { ...state, source: "cache", fetchedAt: cached.fetchedAt, changedAt: cached.changedAt, changes: cached.changes };
  } catch (e) {
    state.lastError = `cached catalog: ${(e as Error).message}; the catalog in use is kept`;
  }
}

/** The periodic check: another instance's download younger than the period is taken from the database; else a download. */
async function refreshIfDue(periodMs: number, now = Date.now()): Promise<void> {
  const cached = await readStoredCache();
  if (cached && !(cached instanceof Error) && now - cached.fetchedAt < periodMs) {
    if (cached.fetchedAt > (state.fetchedAt ?? Number.NEGATIVE_INFINITY)) adopt(cached);
    return;
  }
  await refreshCatalog();
}

function checkCache(where: string, text: string): Cache | Error {
  try {
    const r = cacheSchema.safeParse(JSON.parse(text));
    if (r.success) return r.data;
    return new Error(`cache ${where}: ${r.error.issues[0]!.path.join(".")}: ${r.error.issues[0]!.message}; using the bundled catalog`);
  } catch (e) {
    return new Error(`cache ${where}: not JSON (${(e as Error).message}); using the bundled catalog`);
  }
}

/** The cache in the database: null when there is none. */
async function readStoredCache(): Promise<Cache | null | Error> {
  if (!config.db) return null;
  try {
    const row = await config.db.selectFrom("settings").select("value").where("key", "=", CACHE_KEY).executeTakeFirst();
    return row ? checkCache(`(settings ${CACHE_KEY})`, row.value) : null;
  } catch (e) {
    return new Error(`cache (settings ${CACHE_KEY}): ${(e as Error).message}; using the bundled catalog`);
  }
}

/** An older version's cache file, checked, copied into the database (unless another instance stored one meanwhile). */
async function importLegacyCache(file: string): Promise<Cache | null | Error> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return new Error(`cache ${file}: ${(e as Error).message}; using the bundled catalog`);
  }
  const cached = checkCache(file, text);
  if (cached instanceof Error || !config.db) return cached;
  try {
    await config.db.insertInto("settings").values({ key: CACHE_KEY, value: JSON.stringify(cached) }).onConflict((oc) => oc.column("key").doNothing()).execute();
  } catch (e) {
    console.warn(`genai-prices: the cache file ${file} could not be copied into the database: ${(e as Error).message}`);
  }
  return cached;
}

/** Downloads GENAI_PRICES_URL now (one download at a time) and answers the status after it. */
export function refreshCatalog(now = () => Date.now()): Promise<CatalogStatus> {
  inflight ??= download(now).finally(() => (inflight = null));
  return inflight;
}

async function download(now: () => number): Promise<CatalogStatus> {
  const url = config.url;
  if (!url) return catalogStatus();
  const at = now();
  state.lastAttemptAt = at;
  const fail = (why: string) => {
    state.lastError = `download from ${shownUrl(url)} at ${new Date(at).toISOString()} failed: ${why}; the catalog in use is kept`;
    console.warn(`genai-prices: ${state.lastError}`);
    return catalogStatus();
  };
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: "application/json" } });
    if (!res.ok) return fail(`HTTP ${res.status}`);
    text = await readBounded(res);
  } catch (e) {
    return fail((e as Error).message);
  }
  const providers = parseCatalog(text);
  if (providers instanceof Error) return fail(providers.message);
  const changes = changedModels(active, providers);
  try {
    install(providers);
  } catch (e) {
    return fail(`genai-prices refused the data (${(e as Error).message})`);
  }
  // A download with the same prices keeps the last change on offer (its usage may not be repriced yet).
  state = changes.length > 0
    ? { ...state, source: "download", fetchedAt: at, changedAt: at, changes, lastError: null }
    : { ...state, source: "download", fetchedAt: at, lastError: null };
  if (config.db) {
    try {
      await writeCache(config.db, { version: 1, url, fetchedAt: at, changedAt: state.changedAt, changes: state.changes, providers: providers as never });
    } catch (e) {
      state.lastError = `downloaded and in use, but the cache (settings ${CACHE_KEY}) could not be written: ${(e as Error).message}`;
    }
  }
  return catalogStatus();
}

async function readBounded(res: Response): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > MAX_BYTES) {
      await reader!.cancel();
      throw new Error(`larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Written whole in one statement (an upsert): a crash never leaves half a cache; the last download written wins. */
async function writeCache(db: Db, data: Cache): Promise<void> {
  const value = JSON.stringify(data);
  await db.insertInto("settings").values({ key: CACHE_KEY, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
}

/** Where an older version kept its cache file: beside a SQLite database file; none for an in-memory or PostgreSQL database. */
export function legacyCatalogCacheFile(databaseUrl: string): string | null {
  if (/^postgres(ql)?:/.test(databaseUrl)) return null;
  const file = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, "");
  if (file === "" || file.startsWith(":memory:")) return null;
  return join(dirname(file), "genai-prices-cache.json");
}
