#!/usr/bin/env node
// `npm start`: build the dashboard (turbo, cached), then run the API as this process's own child, in this
// process group: in Inngest dev mode unless INNGEST_DEV is set or an INNGEST_SIGNING_KEY is (then it runs
// as Inngest Cloud or a self-hosted Inngest server calls it, signed). SIGINT, SIGTERM and SIGHUP are passed on, so stopping `npm start` stops
// everything; if this process is killed outright, the API notices it lost its parent and stops (main.ts).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
let child = null;
let stopping = false;

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    stopping = true;
    if (child && child.exitCode === null) child.kill(sig);
    else process.exit(130);
  });
}

/** Runs `name`; one that dies unasked (killed, out of memory, a crash) says so: a signal leaves no line of its own. */
function run(name, command, args, options) {
  return new Promise((resolve) => {
    child = spawn(command, args, { stdio: "inherit", ...options });
    child.on("exit", (code, signal) => {
      if (!stopping && signal) console.error(`Tally: ${name} was stopped by ${signal}`);
      else if (!stopping && code) console.error(`Tally: ${name} exited with code ${code}`);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const built = await run("the dashboard build", process.execPath, [`${root}node_modules/turbo/bin/turbo`, "run", "build", "--filter=@tally/web", "--output-logs=errors-only"], {
  cwd: root,
});
if (built !== 0 || stopping) process.exit(built || 1);

/** The environment with INNGEST_DEV=1, unless it sets INNGEST_DEV or an INNGEST_SIGNING_KEY itself (empty is unset, as env.ts reads it). */
function devModeUnlessSet(env) {
  const chosen = Boolean(env.INNGEST_DEV?.trim()) || Boolean(env.INNGEST_SIGNING_KEY?.trim());
  return chosen ? env : { ...env, INNGEST_DEV: "1" };
}

const api = `${root}apps/api`;
process.exit(
  await run("the API", process.execPath, ["--import", "tsx", "src/main.ts", ...process.argv.slice(2)], {
    cwd: api,
    env: devModeUnlessSet(process.env),
  }),
);
