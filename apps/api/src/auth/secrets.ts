import { createHash, randomBytes } from "node:crypto";

/** A new secret: 32 random bytes (256 bits), base64url, after a prefix that says what it is. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/**
 * SHA-256 of a secret, hex: what is stored and looked up. A 256-bit random secret needs no salt or slow
 * hash (nothing to guess); an operator-chosen `TALLY_INIT_API_KEY` must be at least 32 characters.
 */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
