import { createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ClientGone, csvLine, usd, write } from "./csv.ts";

describe("csv", () => {
  it("quotes, neutralises formulas and keeps money exact", () => {
    expect(csvLine(["a,b", 'say "hi"', "=SUM(A1)", null, 3])).toBe('"a,b","say ""hi""",\'=SUM(A1),,3\r\n');
    expect(usd(1_234_567)).toBe("1.234567");
    expect(usd(null)).toBeNull();
  });

  it("stops an export whose client went away, without piling up listeners", async () => {
    let outcome: unknown = null;
    let listeners = -1;
    const done = new Promise<void>((resolve) => {
      const server = createServer(async (_req, res: ServerResponse) => {
        res.writeHead(200, { "content-type": "text/csv" });
        const chunk = "x".repeat(64 * 1024);
        try {
          for (let i = 0; i < 100_000; i++) await write(res, chunk);
        } catch (e) {
          outcome = e;
        }
        listeners = res.listenerCount("close");
        server.close(() => resolve());
      }).listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        const req = request({ port, host: "127.0.0.1", path: "/" }, (res) => {
          res.once("data", () => req.destroy()); // read one chunk, then hang up
        });
        req.on("error", () => {});
        req.end();
      });
    });
    await done;
    expect(outcome).toBeInstanceOf(ClientGone);
    expect(listeners).toBeLessThan(3);
  });

  it("cuts off a download whose client keeps the connection open but stops reading", async () => {
    const stallMs = 300;
    let outcome: unknown = null;
    let written = 0;
    let elapsed = 0;
    let destroyed = false;
    let finished!: () => void;
    const handled = new Promise<void>((r) => (finished = r));
    const server = createServer(async (_req, res: ServerResponse) => {
      res.writeHead(200, { "content-type": "text/csv" });
      const chunk = "x".repeat(64 * 1024);
      const t0 = Date.now();
      try {
        for (let i = 0; i < 100_000; i++) {
          await write(res, chunk, stallMs);
          written++;
        }
      } catch (e) {
        outcome = e;
      }
      elapsed = Date.now() - t0;
      destroyed = res.destroyed;
      finished();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const req = request({ port, host: "127.0.0.1", path: "/" }, (res) => {
      res.once("data", () => res.pause()); // read one chunk, then stop reading with the connection open
    });
    req.on("error", () => {});
    req.end();
    await handled; // the server gave up on the stalled client by itself
    req.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    expect(outcome).toBeInstanceOf(ClientGone);
    expect(String((outcome as Error).message)).toContain("read nothing");
    expect(destroyed).toBe(true);
    // It wrote until the buffers filled (far fewer than 100,000 chunks), then waited about stallMs.
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(100_000);
    expect(elapsed).toBeGreaterThanOrEqual(stallMs);
  });
});
