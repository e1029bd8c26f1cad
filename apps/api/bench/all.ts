/**
 * `npm run bench` (apps/api): every bench in turn, each in a process of its own; stops at the first that fails.
 *   npm run bench [-- --db postgres://user@host:port/db]
 * --db names a PostgreSQL server (a superuser's URL: the benches make databases tally_bench_* there and copy
 * rows with foreign keys unchecked). Then ingestion, repricing and alerts run on PostgreSQL (ingestion
 * also by 1 and 2 API instances, against one on SQLite), and the analytics bench times SQLite and PostgreSQL
 * side by side on the same runs. track-ai-costs and two writers on one file stay SQLite benches.
 */
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPostgresUrl } from "@tally/shared/db";
import { dbArgs } from "./bench-db.ts";

const [pg, ...extra] = dbArgs();
if (extra.length > 0 || (pg !== undefined && !isPostgresUrl(pg))) {
  console.error("npm run bench takes at most one --db, a postgres:// server URL (the SQLite benches make their own files)");
  process.exit(2);
}
const withDb = (args: string[] = []) => (pg ? [...args, "--db", pg] : []);
const benches: [string, string[]][] = [
  ["track-costs", []],
  ["ingest", withDb()],
  ["analytics", withDb(["--db", join(tmpdir(), "tally-bench-100000.db")])],
  ["alerts", withDb()],
  ["two-writers", []],
  ["reprice", withDb()],
];
for (const [name, args] of benches) {
  console.log(`\n### bench/${name}.bench.ts ${args.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, `${name}.bench.ts`), ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
