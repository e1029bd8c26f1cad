/**
 * Where the sign-in page sends the user afterwards (`/sign-in?next=<path>`): a path on this site only.
 * `//evil.example`, `/\evil.example`, `https://…` and anything that resolves to another origin fall back to `/`.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Browsers strip tabs and newlines: "/\t/evil" would be "//evil".
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this line's purpose
  if (/[\u0000-\u001f\u007f]/.test(next)) return "/";
  const base = "http://tally.invalid";
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return "/";
  }
  if (url.origin !== base) return "/";
  // The sign-in and setup pages are no place to come back to.
  if (url.pathname === "/sign-in" || url.pathname === "/setup") return "/";
  return url.pathname + url.search + url.hash;
}

/** The sign-in page's address that comes back to `current` (a path with its query) afterwards. */
export function signInPath(current: string): string {
  const next = safeNext(current);
  return next === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
}

/** The HTTP status a failed tRPC call (or a fetch answer wrapped as one) carries, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { data?: { httpStatus?: unknown } } | null)?.data?.httpStatus;
  return typeof status === "number" ? status : undefined;
}

export const isSignedOut = (error: unknown): boolean => httpStatusOf(error) === 401;
export const isForbidden = (error: unknown): boolean => httpStatusOf(error) === 403;

let leaving = false;

/**
 * The session is gone (expired, signed out in another tab, revoked by a password change): load the sign-in
 * page, which comes back here afterwards. A full load, so nothing of the old session stays in memory; once,
 * however many queries failed together.
 */
export function sendToSignIn(): void {
  if (leaving || typeof window === "undefined") return;
  const { pathname, search } = window.location;
  if (pathname === "/sign-in" || pathname === "/setup") return;
  leaving = true;
  window.location.assign(signInPath(pathname + search));
}
