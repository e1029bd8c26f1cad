import { describe, expect, it } from "vitest";
import { dashboardUrl } from "../app.ts";
import { listenUrl } from "./hosts.ts";

describe("listenUrl and dashboardUrl", () => {
  it("bracket an IPv6 literal and name an every-interface host localhost", () => {
    expect(listenUrl("127.0.0.1", 3000)).toBe("http://127.0.0.1:3000");
    expect(listenUrl("::1", 3000)).toBe("http://[::1]:3000");
    expect(listenUrl("[::1]", 3000)).toBe("http://[::1]:3000");
    expect(listenUrl("::", 3000)).toBe("http://localhost:3000");
    expect(listenUrl("0.0.0.0", 80)).toBe("http://localhost:80");
    for (const u of ["127.0.0.1", "::1", "::"]) expect(() => new URL(listenUrl(u, 3000)), u).not.toThrow();
  });

  it("link to TALLY_PUBLIC_URL, else INNGEST_SERVE_ORIGIN, else this server's address", () => {
    const base = { HOST: "::1", PORT: 3000, TALLY_PUBLIC_URL: undefined, INNGEST_SERVE_ORIGIN: undefined };
    expect(dashboardUrl(base)).toBe("http://[::1]:3000");
    expect(dashboardUrl(base, 4123)).toBe("http://[::1]:4123");
    expect(dashboardUrl({ ...base, INNGEST_SERVE_ORIGIN: "https://tally.example.com" })).toBe("https://tally.example.com");
    expect(dashboardUrl({ ...base, INNGEST_SERVE_ORIGIN: "https://a.example.com", TALLY_PUBLIC_URL: "https://b.example.com" })).toBe("https://b.example.com");
  });
});
