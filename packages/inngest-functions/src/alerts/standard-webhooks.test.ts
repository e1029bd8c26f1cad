import { describe, expect, it } from "vitest";
import { headerSafeId, sign, signedHeaders, signingKey } from "./standard-webhooks.ts";

// The Standard Webhooks specification's published test vector (the reference libraries' tests use it).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS = 1614265330;
const BODY = '{"test": 2432232314}';

describe("Standard Webhooks signing", () => {
  it("reproduces the specification's test vector", () => {
    expect(sign(SECRET, ID, TS, BODY)).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(signedHeaders(SECRET, ID, TS, BODY)).toEqual({
      "webhook-id": ID,
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("keeps a printable ASCII id, percent-encodes anything else (and %), so every id is one header value", () => {
    expect(headerSafeId("builtin-budget:acme:2026-11@80:firing:ch_1")).toBe("builtin-budget:acme:2026-11@80:firing:ch_1");
    expect(headerSafeId("r:Café Ünï 100%:p")).toBe("r:Caf%C3%A9%20%C3%9Cn%C3%AF%20100%25:p");
    expect(headerSafeId("a👩‍💻b")).toBe("a%F0%9F%91%A9%E2%80%8D%F0%9F%92%BBb");
  });

  it("refuses a secret that is not whsec_ + the base64 of at least 16 bytes", () => {
    expect(() => signingKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toThrow(/whsec_/);
    expect(() => signingKey("whsec_c2hvcnQ=")).toThrow(/at least 16 bytes/);
    expect(() => signingKey("whsec_not base64!!")).toThrow(/base64/);
    expect(signingKey(SECRET)).toHaveLength(24);
  });
});
