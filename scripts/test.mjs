#!/usr/bin/env node
// `npm test`: every package's tests through turbo (one package at a time), twice: on SQLite, then on a real
// PostgreSQL server (TALLY_TEST_ENGINE=postgres; scripts/postgres-server.mjs starts a throwaway one unless
// TALLY_TEST_POSTGRES_URL names a server). Ends with one line summed over both passes and every package:
// `N passed, N failed`. Vitest prints a `Tests  …` summary per package; a package whose task failed without
// one (a type error, a crash), or a pass that could not start, counts as one failure, so nothing broken can
// read as green. `npm test -- --engine=sqlite` (or postgres) runs one pass; other arguments go to turbo.
import { spawn } from "node:child_process";
import { startPostgres } from "./postgres-server.mjs";

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes this strips
const ANSI = /\x1b\[[0-9;]*m/g;
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--engine="))?.slice("--engine=".length);
const turboArgs = args.filter((a) => !a.startsWith("--engine="));
const totals = { passed: 0, failed: 0 };
const lines = [];
let child = null;

/** One turbo pass with `env`; resolves to its exit code, adding its counts to `totals`. */
function pass(name, env) {
  return new Promise((done) => {
    let passed = 0;
    let failed = 0;
    const summarised = new Set();
    let pending = "";
    const count = (line) => {
      // `@tally/api:test:       Tests  2 failed | 108 passed (110)`
      const m = /^(\S+?):test:\s+Tests\s+(.*)\(\d+\)\s*$/.exec(line);
      if (!m) return;
      summarised.add(m[1]);
      passed += Number(/(\d+) passed/.exec(m[2])?.[1] ?? 0);
      failed += Number(/(\d+) failed/.exec(m[2])?.[1] ?? 0);
    };
    console.log(`\n=== ${name} pass`);
    child = spawn("npx", ["turbo", "run", "test", "--concurrency=1", "--continue", ...turboArgs], {
      stdio: ["inherit", "pipe", "inherit"],
      env: { ...process.env, ...env },
    });
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString("utf8");
      const ls = pending.split("\n");
      pending = ls.pop() ?? "";
      for (const l of ls) count(l.replace(ANSI, ""));
    });
    child.on("close", (code, signal) => {
      if (pending) count(pending.replace(ANSI, ""));
      const exit = code ?? (signal ? 1 : 0);
      // A failing run with no failed test counted (a package that never reached its summary) is still a failure.
      if (exit !== 0 && failed === 0) failed = 1;
      totals.passed += passed;
      totals.failed += failed;
      lines.push(`${name}: ${passed} passed, ${failed} failed (${[...summarised].join(", ")})`);
      done(exit);
    });
  });
}

for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child?.kill(sig));

let exit = 0;
// Each pass runs whatever the one before it answered (`exit ||= await pass(…)` would skip it after a failure).
if (only !== "postgres") exit = await pass("SQLite", { TALLY_TEST_ENGINE: "sqlite" });
if (only !== "sqlite") {
  let server = null;
  try {
    let url = process.env.TALLY_TEST_POSTGRES_URL;
    if (!url) {
      server = await startPostgres({ log: console.log });
      url = server.url;
    }
    const postgresExit = await pass("PostgreSQL", { TALLY_TEST_ENGINE: "postgres", TALLY_TEST_POSTGRES_URL: url });
    exit ||= postgresExit;
  } catch (e) {
    console.error(`PostgreSQL pass could not start: ${e.message}`);
    totals.failed += 1;
    lines.push("PostgreSQL: could not start (1 failure counted)");
    exit ||= 1;
  } finally {
    server?.stop();
  }
}
console.log(`\n${lines.join("\n")}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(exit);

