import { describe, expect, it } from "vitest";
import { type Answer, failureOf, signInFailure } from "./auth-api.ts";

const answer = (status: number, body: Record<string, unknown> = {}, retryAfter: number | null = null): Answer => ({ status, body, retryAfter });

describe("signInFailure", () => {
  it("says wrong email or password on a 401, whatever better-auth's wording", () => {
    expect(signInFailure(answer(401, { code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" })).message).toBe("Wrong email or password.");
  });

  it("says how many minutes to wait on a 429, from Retry-After rounded up", () => {
    expect(signInFailure(answer(429, { error: "too many failed sign-ins: try again in 14 min" }, 840)).message).toBe("Too many failed sign-ins, try again in 14 min.");
    expect(signInFailure(answer(429, {}, 61)).message).toBe("Too many failed sign-ins, try again in 2 min.");
    expect(signInFailure(answer(429, {}, 5)).message).toBe("Too many failed sign-ins, try again in 1 min.");
  });

  it("names the field of a 400", () => {
    expect(signInFailure(answer(400, { error: "invalid input", fieldErrors: { email: ["email is not a valid address"] } }))).toEqual({
      message: "Please correct the fields marked below.",
      fields: { email: "email is not a valid address" },
    });
  });
});

describe("failureOf", () => {
  it("reads message, else error, as a sentence", () => {
    expect(failureOf(answer(400, { code: "INVALID_PASSWORD", message: "Invalid password" })).message).toBe("Invalid password.");
    expect(failureOf(answer(400, { error: "this setup link has expired: ask an admin for a new one" })).message).toBe("This setup link has expired: ask an admin for a new one.");
    expect(failureOf(answer(502)).message).toBe("The server answered 502.");
  });

  it("keeps the first message of each field", () => {
    expect(failureOf(answer(400, { fieldErrors: { newPassword: ["password must be at least 12 characters", "x"], name: ["name is required"] } })).fields).toEqual({
      newPassword: "password must be at least 12 characters",
      name: "name is required",
    });
  });
});

describe("ssoFailure", () => {
  it("words a provider's refusal, prefers the server's description, and says nothing without an error", async () => {
    const { ssoFailure } = await import("./auth-api.ts");
    expect(ssoFailure(null, null)).toBeNull();
    expect(ssoFailure("NO_TALLY_ACCOUNT", "a@b.c has no Tally account")?.message).toBe("a@b.c has no Tally account");
    expect(ssoFailure("account_not_linked", null)?.message).toMatch(/not verified this email/);
    expect(ssoFailure("weird_code", "  ")?.message).toBe("Single sign-on failed (weird_code).");
  });
});
