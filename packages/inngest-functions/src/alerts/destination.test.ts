import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPrivateAddress, postOnce, RefusedDestination } from "./destination.ts";

describe("alert destinations", () => {
  it("tells addresses off the public internet from public ones", () => {
    const off = [
      "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
      "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "fc00::2", "::ffff:127.0.0.1", "::ffff:a9fe:a9fe", "64:ff9b::a9fe:a9fe", "ff02::1", "::7f00:1", "2002:7f00:1::",
    ];
    const on = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "169.255.0.1", "2606:4700:4700::1111", "2001:4860:4860::8888"];
    expect(off.filter((ip) => !isPrivateAddress(ip))).toEqual([]);
    expect(on.filter((ip) => isPrivateAddress(ip))).toEqual([]);
    expect(isPrivateAddress("example.com")).toBe(false);
  });

  describe("posting to a receiver on 127.0.0.1", () => {
    let server: Server;
    let port = 0;
    const received: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          received.push(body);
          res.writeHead(403, { "retry-after": "7" }).end(`internal secret ${"x".repeat(500)}`);
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("refuses a loopback address, by number or by name, before sending anything", async () => {
      for (const host of ["127.0.0.1", "localhost", "[::1]"]) {
        const sent = postOnce(`http://${host}:${port}/hook`, "{}", { headers: {}, timeoutMs: 2000, allowPrivate: false });
        await expect(sent, host).rejects.toBeInstanceOf(RefusedDestination);
        await expect(sent, host).rejects.toThrow(/off the public internet \(TALLY_ALERT_PRIVATE_DESTINATIONS=1 allows it\)/);
      }
      expect(received).toEqual([]);
    });

    it("sends where private addresses are allowed, and keeps the answer's status, first 200 characters and Retry-After", async () => {
      const answer = await postOnce(`http://localhost:${port}/hook`, '{"a":1}', { headers: { "content-type": "application/json" }, timeoutMs: 2000, allowPrivate: true });
      expect(answer.status).toBe(403);
      expect(answer.text).toBe(`internal secret ${"x".repeat(500)}`.slice(0, 200));
      expect(answer.retryAfter).toBe("7");
      expect(received).toEqual(['{"a":1}']);
    });
  });
});
