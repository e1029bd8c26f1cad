import { createReadStream, readFileSync, type Stats, statSync } from "node:fs";
import { pipeline } from "node:stream";
import { gzipSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The built dashboard (`npm run build -w @tally/web`). */
export const WEB_DIST = resolve(fileURLToPath(new URL("../../web/dist", import.meta.url)));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * Serves the built web app: files under `root` with their content type, hashed assets (`/assets/*`) as
 * immutable, and `index.html` (never cached) for any other GET that is not an API path, so client-side
 * routes load on refresh. Paths that escape `root` are refused.
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string = WEB_DIST): void {
  const method = req.method ?? "GET";
  let path: string;
  try {
    path = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/");
  } catch {
    text(res, 400, "bad request");
    return;
  }
  if (path.startsWith("/api/") || path === "/api") {
    text(res, 404, `no route for ${method} ${path}`, true);
    return;
  }
  if (method !== "GET" && method !== "HEAD") {
    text(res, 405, "method not allowed");
    return;
  }
  if (path.includes("\0")) {
    text(res, 400, "bad request");
    return;
  }

  const base = resolve(root);
  const file = resolve(join(base, normalize(path)));
  if (file !== base && !file.startsWith(base + sep)) {
    text(res, 403, "forbidden");
    return;
  }

  const asset = fileStat(file);
  if (asset) {
    const immutable = path.startsWith("/assets/");
    send(req, res, file, asset, immutable ? "public, max-age=31536000, immutable" : "no-cache");
    return;
  }
  // A missing asset is a 404, not the app shell (a stale hashed file must not parse HTML as JS).
  if (path.startsWith("/assets/") || extname(path) !== "") {
    text(res, 404, "not found");
    return;
  }
  const index = join(base, "index.html");
  const shell = fileStat(index);
  if (!shell) {
    text(res, 503, "the web app is not built: run `npm run build -w @tally/web`");
    return;
  }
  send(req, res, index, shell, "no-cache");
}

/** The file's stats, or null when it is missing or not a regular file (one stat: no check-then-use race). */
function fileStat(p: string): Stats | null {
  const st = statSync(p, { throwIfNoEntry: false });
  return st?.isFile() ? st : null;
}

function send(req: IncomingMessage, res: ServerResponse, file: string, st: Stats, cache: string): void {
  const type = TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
  const headers = { "content-type": type, "cache-control": cache, "x-content-type-options": "nosniff" };
  const compressible = /^text\/|javascript|json|svg/.test(type);
  if (compressible && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    const body = gzipped(file, st);
    res.writeHead(200, { ...headers, "content-encoding": "gzip", "content-length": body.length, vary: "accept-encoding" });
    return void res.end(req.method === "HEAD" ? undefined : body);
  }
  res.writeHead(200, { ...headers, "content-length": st.size, ...(compressible ? { vary: "accept-encoding" } : {}) });
  if (req.method === "HEAD") return void res.end();
  // pipeline closes the file when the client goes away, and a read error (the build replaced the file)
  // ends this response instead of the process.
  pipeline(createReadStream(file), res, () => {});
}

/** Gzipped files, compressed once per version of the file (the build is a few hundred KB of text). */
const gzipCache = new Map<string, Buffer>();

function gzipped(file: string, st: Stats): Buffer {
  const key = `${file}\0${st.mtimeMs}\0${st.size}`;
  let body = gzipCache.get(key);
  if (!body) {
    if (gzipCache.size >= 256) gzipCache.clear();
    body = gzipSync(readFileSync(file), { level: 9 });
    gzipCache.set(key, body);
  }
  return body;
}

function text(res: ServerResponse, status: number, body: string, json = false): void {
  if (json) {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: body }));
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
}
