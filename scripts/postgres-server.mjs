// A throwaway PostgreSQL server for the test suite's PostgreSQL pass (and benches): Debian's `postgresql`
// binaries, a fresh cluster in a temp dir, listening on 127.0.0.1 at a free port, trust auth, durability off
// (fsync, synchronous_commit and full_page_writes: a test cluster never outlives its run). As root, the
// cluster runs as the `postgres` user the Debian package creates (initdb refuses root).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The newest /usr/lib/postgresql/<major>/bin holding initdb, or null. */
export function postgresBin() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((d) => existsSync(join(root, d, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0], "bin") : null;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts a cluster (on `port`, else a free one); resolves to { url, stop() } where url is the `postgres` database's admin URL. */
export async function startPostgres({ log = () => {}, port: wanted } = {}) {
  const bin = postgresBin();
  if (!bin) throw new Error("PostgreSQL binaries not found: apt-get install postgresql (or set TALLY_TEST_POSTGRES_URL)");
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "tally-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const run = (cmd, args) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
  const port = wanted ?? (await freePort());
  const opts = [
    `-p ${port}`, "-c listen_addresses=127.0.0.1", `-c unix_socket_directories=${dir}`, "-c fsync=off",
    "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400", "-c shared_buffers=256MB",
  ].join(" ");
  run("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "server.log"), "-w", "start"]);
  log(`PostgreSQL ${bin.split("/").at(-2)} on 127.0.0.1:${port} (${data})`);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// `node scripts/postgres-server.mjs`: start one and keep it until Ctrl-C (for benches and trying things).
if (import.meta.url === `file://${process.argv[1]}`) {
  // `--port N` picks the port (default: a free one).
  const at = process.argv.indexOf("--port");
  const port = at > 0 ? Number(process.argv[at + 1]) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    console.error(`--port: ${process.argv[at + 1] ?? "(missing)"} is not a port number`);
    process.exit(2);
  }
  const pg = await startPostgres({ log: console.log, port });
  console.log(pg.url);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => {
      pg.stop();
      process.exit(0);
    });
  setInterval(() => {}, 1 << 30);
}
