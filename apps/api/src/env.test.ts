import { describe, expect, it } from "vitest";
import { readCliEnv, readEnv } from "./env.ts";

describe("readEnv", () => {
  it("requires a signing key outside dev mode", () => {
    expect(() => readEnv({})).toThrow(/INNGEST_SIGNING_KEY: required outside dev mode/);
    expect(() => readEnv({ INNGEST_DEV: "0" })).toThrow(/INNGEST_SIGNING_KEY/);
    expect(readEnv({ INNGEST_SIGNING_KEY: "signkey-prod-abc", TALLY_AUTH_SECRET: "a".repeat(32) }).isDev).toBe(false);
  });

  it("says what an email must look like", () => {
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_INIT_ADMIN_EMAIL: "admin@localhost", TALLY_INIT_ADMIN_PASSWORD: "a-long-password" })).toThrow(
      /TALLY_INIT_ADMIN_EMAIL: email is not a valid address \(name@example\.com\)/,
    );
  });

  it("needs no keys in dev mode and has working defaults", () => {
    const env = readEnv({ INNGEST_DEV: "1" });
    expect(env).toMatchObject({ isDev: true, PORT: 3000, DATABASE_URL: "./data/tally.db" });
  });

  it("keeps dev mode on loopback: unsigned Inngest calls must not be reachable from the network", () => {
    for (const HOST of ["0.0.0.0", "[::]", "192.0.2.2", "tally.internal"]) {
      expect(() => readEnv({ INNGEST_DEV: "1", HOST })).toThrow(new RegExp(`HOST: dev mode \\(INNGEST_DEV\\) takes unsigned Inngest calls.*HOST=${HOST.replace(/[.[\]]/g, "\\$&")}`));
    }
    for (const HOST of ["127.0.0.1", "localhost", "::1", "[::1]"]) expect(readEnv({ INNGEST_DEV: "1", HOST }).HOST).toBe(HOST);
    // Outside dev mode every call is signed: any interface.
    expect(readEnv({ HOST: "0.0.0.0", INNGEST_SIGNING_KEY: "signkey-prod-abc", TALLY_AUTH_SECRET: "a".repeat(32) }).HOST).toBe("0.0.0.0");
  });

  it("takes a relative database path from where npm was run, not from the workspace", () => {
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me/tally" }).DATABASE_URL).toBe("/home/me/tally/data/tally.db");
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: "/var/lib/t.db" }).DATABASE_URL).toBe("/var/lib/t.db");
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: ":memory:" }).DATABASE_URL).toBe(":memory:");
    // With the optional `sqlite:` / `file:` prefix, the same file as the bare path.
    for (const [url, want] of [["sqlite:x.db", "sqlite:/home/me/x.db"], ["sqlite:./data/x.db", "sqlite:/home/me/data/x.db"], ["file:x.db", "file:/home/me/x.db"], ["sqlite:/var/x.db", "sqlite:/var/x.db"], ["sqlite::memory:", "sqlite::memory:"]]) {
      expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: url }).DATABASE_URL, url).toBe(want);
    }
  });

  it("reads a command-line tool's configuration without the server's checks (it serves nothing)", () => {
    const production = { HOST: "0.0.0.0", INIT_CWD: "/home/me", DATABASE_URL: "t.db" };
    expect(() => readEnv(production)).toThrow(/INNGEST_SIGNING_KEY: required outside dev mode/);
    expect(readCliEnv(production).DATABASE_URL).toBe("/home/me/t.db");
    expect(() => readCliEnv({ DATABASE_URL: "mysql://db/x" })).toThrow(/DATABASE_URL/);
  });

  it("takes a postgres:// DATABASE_URL as is, and names a malformed one or another scheme without its password", () => {
    for (const url of ["postgres://tally:pw@db.internal:5432/tally", "postgresql://db/tally?sslmode=require", "postgres:///tally?host=/var/run/postgresql"]) {
      expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
    const problem = (url: string) => {
      try {
        readEnv({ INNGEST_DEV: "1", DATABASE_URL: url });
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problem("postgres://tally:s3cret@db:port/tally")).toMatch(/DATABASE_URL: "postgres:\/\/tally:\*\*\*@db:port\/tally" is not a valid PostgreSQL URL/);
    expect(problem("postgres://tally:s3cret@db:5432")).toMatch(/DATABASE_URL: .* names no database/);
    expect(problem("postgress://tally:s3cret@db/tally")).toMatch(/DATABASE_URL: .* is neither a PostgreSQL URL .* nor a SQLite file path/);
    expect(problem("mysql://db/tally")).toMatch(/DATABASE_URL: "mysql:\/\/db\/tally" is neither/);
    expect(problem("")).toMatch(/DATABASE_URL: is empty/);
    for (const url of ["postgres://tally:s3cret@db:port/tally", "postgres://tally:s3cret@db:5432", "postgress://tally:s3cret@db/tally"]) expect(problem(url)).not.toContain("s3cret");
  });

  it("reads the reporting zones as a list, naming an unknown one", () => {
    expect(readEnv({ INNGEST_DEV: "1" }).TALLY_TIME_ZONES).toEqual([]);
    expect(readEnv({ INNGEST_DEV: "1", TALLY_TIME_ZONES: "America/New_York, Asia/Kolkata" }).TALLY_TIME_ZONES).toEqual(["America/New_York", "Asia/Kolkata"]);
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_TIME_ZONES: "UTC,Mars/Olympus" })).toThrow(/TALLY_TIME_ZONES: unknown IANA time zone "Mars\/Olympus"/);
  });

  it("reads the allowed host names as a list, naming an entry that is not a bare host name", () => {
    expect(readEnv({ INNGEST_DEV: "1" }).TALLY_ALLOWED_HOSTS).toEqual([]);
    expect(readEnv({ INNGEST_DEV: "1", TALLY_ALLOWED_HOSTS: " Tally.Example.com , 10.0.0.5,::1,tally_api" }).TALLY_ALLOWED_HOSTS).toEqual([
      "tally.example.com",
      "10.0.0.5",
      "[::1]",
      "tally_api",
    ]);
    for (const bad of ["https://tally.example.com", "tally.example.com:3000", "tally.example.com/x", "*", "ümlaut.de"]) {
      expect(() => readEnv({ INNGEST_DEV: "1", TALLY_ALLOWED_HOSTS: `ok.example,${bad}` })).toThrow(
        new RegExp(`TALLY_ALLOWED_HOSTS: "${bad.replace(/[.*/]/g, "\\$&")}" is not a host name`),
      );
    }
  });

  it("reads single sign-on as all three of issuer, client id and secret, or none", () => {
    const sso = { INNGEST_DEV: "1", TALLY_OIDC_ISSUER: "https://id.example.com/realms/acme", TALLY_OIDC_CLIENT_ID: "tally", TALLY_OIDC_CLIENT_SECRET: "s3cret" };
    expect(readEnv(sso).TALLY_OIDC_NAME).toBe("Single sign-on");
    expect(readEnv(sso).TALLY_OIDC_DEFAULT_ROLE).toBeUndefined();
    expect(readEnv({ ...sso, TALLY_OIDC_NAME: " Acme SSO ", TALLY_OIDC_DEFAULT_ROLE: "finance" })).toMatchObject({ TALLY_OIDC_NAME: "Acme SSO", TALLY_OIDC_DEFAULT_ROLE: "finance" });
    expect(readEnv({ ...sso, TALLY_OIDC_ISSUER: "http://127.0.0.1:9000" }).TALLY_OIDC_ISSUER).toBe("http://127.0.0.1:9000");
    const allThree = /TALLY_OIDC_ISSUER, TALLY_OIDC_CLIENT_ID and TALLY_OIDC_CLIENT_SECRET: set all three \(single sign-on\) or none/;
    expect(() => readEnv({ ...sso, TALLY_OIDC_CLIENT_SECRET: undefined })).toThrow(allThree);
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_OIDC_CLIENT_ID: "tally" })).toThrow(allThree);
    expect(() => readEnv({ ...sso, TALLY_OIDC_ISSUER: "http://id.example.com" })).toThrow(/TALLY_OIDC_ISSUER: must be an https URL \(http only on localhost, 127.0.0.1 or \[::1\]\)/);
    expect(() => readEnv({ ...sso, TALLY_OIDC_ISSUER: "id.example.com" })).toThrow(/TALLY_OIDC_ISSUER: /);
    expect(() => readEnv({ ...sso, TALLY_OIDC_DEFAULT_ROLE: "admin" })).toThrow(/TALLY_OIDC_DEFAULT_ROLE: must be viewer, finance or reviewer \(admins are made by an admin\)/);
    expect(() => readEnv({ ...sso, TALLY_OIDC_DEFAULT_ROLE: "owner" })).toThrow(/TALLY_OIDC_DEFAULT_ROLE: /);
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_OIDC_DEFAULT_ROLE: "viewer" })).toThrow(/TALLY_OIDC_DEFAULT_ROLE: only with TALLY_OIDC_ISSUER \(single sign-on is off\)/);
  });

  it("names every bad variable at once", () => {
    expect(() => readEnv({ INNGEST_DEV: "1", PORT: "http", JUDGE_BASE_URL: "http://x/v1" })).toThrow(
      /PORT: [^\n]+\n {2}JUDGE_MODEL: required when JUDGE_BASE_URL is set/,
    );
  });

  it("says what a number or a switch is for and which values it takes", () => {
    expect(() => readEnv({ INNGEST_DEV: "1", PORT: "abc" })).toThrow(/PORT: must be a whole number from 0 to 65535 \(a TCP port; 0 picks a free one\)/);
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_AUTO_ZONES: "-1" })).toThrow(/TALLY_AUTO_ZONES: must be a whole number from 0 to 20/);
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_DEMO: "maybe" })).toThrow(/TALLY_DEMO: must be auto or 0 \(auto seeds demo data/);
    expect(() => readEnv({ INNGEST_DEV: "1", TALLY_TRUST_PROXY: "yes" })).toThrow(/TALLY_TRUST_PROXY: must be 0 or 1/);
    expect(readEnv({ INNGEST_DEV: "1", PORT: "0", TALLY_DEMO: "0" })).toMatchObject({ PORT: 0, TALLY_DEMO: "0" });
  });

  it("reads judge sampling, the daily judge budget and flow control, naming a bad value", () => {
    const dev = { INNGEST_DEV: "1" };
    expect(readEnv(dev)).toMatchObject({
      TALLY_JUDGE_SAMPLE_RATE: 1,
      TALLY_JUDGE_DAILY_BUDGET_USD: null,
      TALLY_JUDGE_CONCURRENCY: 5,
      TALLY_NOTIFY_CONCURRENCY: 5,
      TALLY_JUDGE_THROTTLE: { limit: 60, period: "1m" },
    });
    expect(readEnv({ ...dev, TALLY_JUDGE_SAMPLE_RATE: "0.25", TALLY_JUDGE_DAILY_BUDGET_USD: " 12.5 ", TALLY_JUDGE_CONCURRENCY: "2", TALLY_NOTIFY_CONCURRENCY: "9", TALLY_JUDGE_THROTTLE: "10/30s" })).toMatchObject({
      TALLY_JUDGE_SAMPLE_RATE: 0.25,
      TALLY_JUDGE_DAILY_BUDGET_USD: 12_500_000,
      TALLY_JUDGE_CONCURRENCY: 2,
      TALLY_NOTIFY_CONCURRENCY: 9,
      TALLY_JUDGE_THROTTLE: { limit: 10, period: "30s" },
    });
    expect(readEnv({ ...dev, TALLY_JUDGE_SAMPLE_RATE: "0", TALLY_JUDGE_THROTTLE: "0", TALLY_JUDGE_DAILY_BUDGET_USD: "0.01" })).toMatchObject({
      TALLY_JUDGE_SAMPLE_RATE: 0,
      TALLY_JUDGE_THROTTLE: null,
      TALLY_JUDGE_DAILY_BUDGET_USD: 10_000,
    });
    for (const bad of ["1.5", "-0.1", "half"]) {
      expect(() => readEnv({ ...dev, TALLY_JUDGE_SAMPLE_RATE: bad })).toThrow(/TALLY_JUDGE_SAMPLE_RATE: must be a number from 0 to 1/);
    }
    for (const bad of ["0", "-5", "ten", "0.0000001"]) {
      expect(() => readEnv({ ...dev, TALLY_JUDGE_DAILY_BUDGET_USD: bad })).toThrow(/TALLY_JUDGE_DAILY_BUDGET_USD: "[^"]*" is not an amount in USD above 0/);
    }
    for (const bad of ["0", "2.5", "x"]) {
      expect(() => readEnv({ ...dev, TALLY_JUDGE_CONCURRENCY: bad })).toThrow(/TALLY_JUDGE_CONCURRENCY: must be a whole number from 1 to 1000/);
      expect(() => readEnv({ ...dev, TALLY_NOTIFY_CONCURRENCY: bad })).toThrow(/TALLY_NOTIFY_CONCURRENCY: must be a whole number from 1 to 1000/);
    }
    for (const bad of ["60", "60/", "0/1m", "60/0s", "60/8d", "60/1w", "60 per minute"]) {
      expect(() => readEnv({ ...dev, TALLY_JUDGE_THROTTLE: bad })).toThrow(/TALLY_JUDGE_THROTTLE: "[^"]*" is not <limit>\/<period>/);
    }
  });

  it("takes a variable set to nothing as unset (its default), except DATABASE_URL, which must say where the data is", () => {
    const dev = { INNGEST_DEV: "1" };
    const unset = readEnv(dev);
    const numeric = ["PORT", "TALLY_REVIEW_SAMPLE_RATE", "TALLY_JUDGE_SAMPLE_RATE", "TALLY_AUTO_ZONES", "JUDGE_MAX_REPAIRS", "TALLY_JUDGE_CONCURRENCY"] as const;
    for (const blank of ["", "  "]) {
      const env = readEnv({ ...dev, ...Object.fromEntries(numeric.map((k) => [k, blank])) });
      for (const k of numeric) expect(env[k], k).toEqual(unset[k]);
    }
    // The defaults, from the README's configuration table: a blank rate did not turn sampling off.
    expect(unset).toMatchObject({ PORT: 3000, TALLY_REVIEW_SAMPLE_RATE: 0.05, TALLY_JUDGE_SAMPLE_RATE: 1 });
    expect(() => readEnv({ ...dev, DATABASE_URL: "" })).toThrow(/DATABASE_URL: is empty/);
    expect(() => readEnv({ INNGEST_SIGNING_KEY: "", TALLY_AUTH_SECRET: "a".repeat(32) })).toThrow(/INNGEST_SIGNING_KEY: required outside dev mode/);
    for (const bad of ["1.5", "-0.1", "half"]) expect(() => readEnv({ ...dev, TALLY_REVIEW_SAMPLE_RATE: bad })).toThrow(/TALLY_REVIEW_SAMPLE_RATE/);
  });
});
