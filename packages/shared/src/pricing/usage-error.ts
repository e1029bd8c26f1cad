/** The payload's usage cannot be read or is out of bounds: retrying will not help. */
export class UsageError extends Error {
  override name = "UsageError";
}
