/**
 * The sign-in, setup and account calls (better-auth's `/api/auth/*` and Tally's `/api/setup`), by fetch:
 * same-origin cookies, JSON bodies (the API refuses a state-changing request without that content type).
 */

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** Retry-After in seconds (a 429), else null. */
  retryAfter: number | null;
}

/** A refused request as a form shows it: one message, and the first message per named field. */
export interface Failure {
  message: string;
  fields: Record<string, string>;
}

export async function call(path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    credentials: "same-origin",
    headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed: unknown = await res.json().catch(() => null);
  const retry = Number(res.headers.get("retry-after"));
  return {
    status: res.status,
    body: typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {},
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
  };
}

/** Any answer the API refused: its message (`message`, else `error`) and its `fieldErrors`. */
export function failureOf(answer: Answer, fallback = `The server answered ${answer.status}.`): Failure {
  const { message, error, fieldErrors } = answer.body;
  const fields: Record<string, string> = {};
  if (typeof fieldErrors === "object" && fieldErrors !== null) {
    for (const [field, msgs] of Object.entries(fieldErrors)) {
      const first = Array.isArray(msgs) ? msgs.find((m) => typeof m === "string") : typeof msgs === "string" ? msgs : undefined;
      if (first) fields[field] = first;
    }
  }
  const text = typeof message === "string" && message ? message : typeof error === "string" && error ? error : fallback;
  return { message: Object.keys(fields).length > 0 ? "Please correct the fields marked below." : sentence(text), fields };
}

/** A sign-in refusal in words: wrong credentials, too many tries (and how long to wait), or the field at fault. */
export function signInFailure(answer: Answer): Failure {
  if (answer.status === 401) return { message: "Wrong email or password.", fields: {} };
  if (answer.status === 429) {
    const minutes = Math.max(1, Math.ceil((answer.retryAfter ?? 900) / 60));
    return { message: `Too many failed sign-ins, try again in ${minutes} min.`, fields: {} };
  }
  return failureOf(answer);
}

const sentence = (s: string) => {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
};

export const NETWORK_FAILURE: Failure = { message: "Cannot reach the Tally server. Check your connection and try again.", fields: {} };

export const signIn = (email: string, password: string) => call("/api/auth/sign-in/email", { email, password });

export const signOut = () => call("/api/auth/sign-out", {});

export const changePassword = (currentPassword: string, newPassword: string) =>
  call("/api/auth/change-password", { currentPassword, newPassword, revokeOtherSessions: true });

/** The single sign-on provider, or null when SSO is off (or the server has no such endpoint: a 404). */
export async function ssoProvider(): Promise<{ providerId: string; name: string } | null> {
  const answer = await call("/api/sign-in-options").catch(() => null);
  const sso = answer?.status === 200 ? answer.body.sso : null;
  if (typeof sso !== "object" || sso === null) return null;
  const { providerId, name } = sso as Record<string, unknown>;
  return typeof providerId === "string" && typeof name === "string" && name ? { providerId, name } : null;
}

/** Starts SSO: better-auth answers the provider's address to go to. */
export async function startSso(providerId: string, callbackURL: string): Promise<{ url: string } | Failure> {
  // better-auth runs a generic OIDC provider through its social sign-in endpoint; failures come back to /sign-in?error=.
  const answer = await call("/api/auth/sign-in/social", { provider: providerId, callbackURL, errorCallbackURL: "/sign-in" });
  const url = answer.body.url;
  return answer.status === 200 && typeof url === "string" && url ? { url } : failureOf(answer);
}

export interface SetupOffer {
  role: string;
  email: string | null;
}

/** What a setup link offers (role, invited email), or why it no longer works. */
export async function setupOffer(token: string): Promise<SetupOffer | Failure> {
  const answer = await call(`/api/setup?token=${encodeURIComponent(token)}`);
  const { role, email } = answer.body;
  if (answer.status === 200 && typeof role === "string") return { role, email: typeof email === "string" ? email : null };
  const failure = failureOf(answer);
  // The token's own refusal ("this setup link has expired: …") is the page's message, not a field.
  return { message: failure.fields.token ? sentence(failure.fields.token) : failure.message, fields: {} };
}

export const redeemSetup = (input: { token: string; email: string; name: string; password: string }) => call("/api/setup", input);

/** Why single sign-on sent the user back (`/sign-in?error=CODE&error_description=…`), in words, or null. */
export function ssoFailure(code: string | null, description: string | null): Failure | null {
  if (!code) return null;
  const words: Record<string, string> = {
    account_not_linked: "Your sign-in provider has not verified this email, so it cannot be joined to your Tally account.",
    access_denied: "Single sign-on was cancelled.",
  };
  const text = description?.trim() || words[code] || `Single sign-on failed (${code}).`;
  return { message: text.slice(0, 300), fields: {} };
}
