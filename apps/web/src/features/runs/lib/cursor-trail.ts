/**
 * Keyset pagination in the URL: `pages` holds the cursors of the pages visited so far (comma-joined;
 * cursors are base64url, so they never contain a comma). The last one is the current page's cursor, so
 * Next and Previous are links and the back button works. Pure.
 */

export function readTrail(params: URLSearchParams): string[] {
  const raw = params.get("pages");
  return raw ? raw.split(",").filter((c) => /^[A-Za-z0-9_-]{1,1000}$/.test(c)) : [];
}

export function currentCursor(trail: readonly string[]): string | undefined {
  return trail[trail.length - 1];
}

export function nextTrail(trail: readonly string[], next: string): string {
  return [...trail, next].join(",");
}

/** null = back on the first page (the parameter is removed). */
export function prevTrail(trail: readonly string[]): string | null {
  return trail.length <= 1 ? null : trail.slice(0, -1).join(",");
}
