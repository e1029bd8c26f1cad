import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic } from "./static.ts";

let root: string;
let server: Server;
let port: number;

/** Raw GET (no URL normalisation by the client, so traversal attempts reach the server as sent). */
function get(path: string, method = "GET", headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; raw: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString(), raw });
      });
    });
    req.on("error", fail);
    req.end();
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "tally-static-"));
  root = join(dir, "dist");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), "<!doctype html><title>Tally</title>");
  writeFileSync(join(root, "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(join(root, "assets", "index-abc123.css"), "body{}");
  writeFileSync(join(dir, "secret.txt"), "do not serve");
  server = createServer((req, res) => serveStatic(req, res, root));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(join(root, ".."), { recursive: true, force: true });
});

describe("serveStatic", () => {
  it("gzips text assets for clients that accept it, and says so to caches", async () => {
    const js = await get("/assets/index-abc123.js", "GET", { "accept-encoding": "gzip, deflate, br" });
    expect(js.headers["content-encoding"]).toBe("gzip");
    expect(js.headers.vary).toBe("accept-encoding");
    expect(Number(js.headers["content-length"])).toBe(js.raw.length);
    expect(gunzipSync(js.raw).toString()).toBe("console.log(1)");
    const plain = await get("/assets/index-abc123.js");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe("console.log(1)");
  });

  it("serves hashed assets with their type and an immutable cache", async () => {
    const js = await get("/assets/index-abc123.js");
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toContain("immutable");
    expect((await get("/assets/index-abc123.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("falls back to index.html, never cached, for client routes", async () => {
    for (const path of ["/", "/runs/01ABC?model=x", "/spend"]) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(r.headers["cache-control"]).toBe("no-cache");
      expect(r.body).toContain("<title>Tally</title>");
    }
    expect((await get("/", "HEAD")).body).toBe("");
  });

  it("answers 404 for missing assets and unknown API paths, 405 for writes", async () => {
    expect((await get("/assets/index-old.js")).status).toBe(404);
    expect((await get("/favicon.ico")).status).toBe(404);
    const api = await get("/api/nope");
    expect(api.status).toBe(404);
    expect(api.headers["content-type"]).toBe("application/json");
    expect((await get("/", "POST")).status).toBe(405);
  });

  it("never serves a file outside the build directory", async () => {
    for (const path of ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%00"]) {
      const r = await get(path);
      expect(r.body).not.toContain("do not serve");
      expect([200, 400, 403, 404]).toContain(r.status);
    }
  });
});
