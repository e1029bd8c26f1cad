import { createHash } from "node:crypto";

/**
 * Deterministic judge sampling (server-only: node:crypto). A run's draw depends on its parent run id alone,
 * so a retry, a replay or a duplicate delivery of the same run is in or out of the sample alike.
 */

/** Uniform in [0, 1): the first 52 bits of SHA-256(id) over 2^52. */
export function sampleDraw(id: string): number {
  return Number.parseInt(createHash("sha256").update(id, "utf8").digest("hex").slice(0, 13), 16) / 2 ** 52;
}

/** Whether the run is in a sample of `rate` (0…1): rate 0 never, rate 1 always. */
export function inSample(id: string, rate: number): boolean {
  return sampleDraw(id) < rate;
}
