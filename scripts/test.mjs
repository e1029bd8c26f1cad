#!/usr/bin/env node
// `npm test`: every package's tests through turbo (one at a time), then one closing line summed over every
// package: `N passed, N failed`. Vitest prints a `Tests  …` summary per package; a package whose task failed
// without one (a type error, a crash) counts as one failure, so a broken package can never read as green.
import { spawn } from "node:child_process";

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes this strips
const ANSI = /\x1b\[[0-9;]*m/g;
const turbo = spawn("npx", ["turbo", "run", "test", "--concurrency=1", "--continue", ...process.argv.slice(2)], {
  stdio: ["inherit", "pipe", "inherit"],
});

let passed = 0;
let failed = 0;
const summarised = new Set();
let pending = "";

turbo.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString("utf8");
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) count(line.replace(ANSI, ""));
});

/** `@tally/api:test:       Tests  2 failed | 108 passed (110)` */
function count(line) {
  const m = /^(\S+?):test:\s+Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!m) return;
  summarised.add(m[1]);
  passed += Number(/(\d+) passed/.exec(m[2])?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(m[2])?.[1] ?? 0);
}

turbo.on("close", (code, signal) => {
  if (pending) count(pending.replace(ANSI, ""));
  const exit = code ?? (signal ? 1 : 0);
  // A failing run with no failed test counted (a package that never reached its summary) is still a failure.
  if (exit !== 0 && failed === 0) failed = 1;
  console.log(`\n${summarised.size} packages with tests: ${[...summarised].join(", ")}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(exit);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => turbo.kill(sig));
