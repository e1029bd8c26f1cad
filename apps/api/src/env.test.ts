import { describe, expect, it } from "vitest";
import { readEnv } from "./env.ts";

describe("readEnv", () => {
  it("requires a signing key outside dev mode", () => {
    expect(() => readEnv({})).toThrow(/INNGEST_SIGNING_KEY: required outside dev mode/);
    expect(() => readEnv({ INNGEST_DEV: "0" })).toThrow(/INNGEST_SIGNING_KEY/);
    expect(readEnv({ INNGEST_SIGNING_KEY: "signkey-prod-abc" }).isDev).toBe(false);
  });

  it("needs no keys in dev mode and has working defaults", () => {
    const env = readEnv({ INNGEST_DEV: "1" });
    expect(env).toMatchObject({ isDev: true, PORT: 3000, DATABASE_URL: "./data/tally.db" });
  });

  it("takes a relative database path from where npm was run, not from the workspace", () => {
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me/tally" }).DATABASE_URL).toBe("/home/me/tally/data/tally.db");
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: "/var/lib/t.db" }).DATABASE_URL).toBe("/var/lib/t.db");
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: ":memory:" }).DATABASE_URL).toBe(":memory:");
    expect(readEnv({ INNGEST_DEV: "1", INIT_CWD: "/home/me", DATABASE_URL: "sqlite:x.db" }).DATABASE_URL).toBe("sqlite:x.db");
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

  it("names every bad variable at once", () => {
    expect(() => readEnv({ INNGEST_DEV: "1", PORT: "http", JUDGE_BASE_URL: "http://x/v1" })).toThrow(
      /PORT: [^\n]+\n {2}JUDGE_MODEL: required when JUDGE_BASE_URL is set/,
    );
  });
});
