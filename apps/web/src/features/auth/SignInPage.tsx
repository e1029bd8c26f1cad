import { type FormEvent, useEffect, useRef, useState } from "react";
import { safeNext } from "../../lib/auth-redirect.ts";
import { useLocation } from "../../lib/router.ts";
import { type Failure, NETWORK_FAILURE, signIn, signInFailure, ssoFailure, ssoProvider, startSso } from "./auth-api.ts";
import { AuthLayout } from "./AuthLayout.tsx";
import { Field, FormError } from "./Field.tsx";

/** `/sign-in?next=<path>`: email and password (and the SSO provider when configured), then back to `next`. */
export default function SignInPage() {
  const { params } = useLocation();
  const next = safeNext(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const [failure, setFailure] = useState<Failure | null>(() => ssoFailure(params.get("error"), params.get("error_description")));
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<{ providerId: string; name: string } | null>(null);

  useEffect(() => {
    document.title = "Sign in · Tally";
    let live = true;
    void ssoProvider().then((p) => live && setSso(p));
    return () => {
      live = false;
    };
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const answer = await signIn(email.trim(), password);
      if (answer.status === 200) {
        window.location.assign(next); // a full load: the app starts with the new session
        return;
      }
      setFailure(signInFailure(answer));
      if (answer.status === 401) setPassword("");
    } catch {
      setFailure(NETWORK_FAILURE);
    }
    setBusy(false);
    // The button was disabled while the request ran, which dropped the focus: back to the password, to try again.
    setTimeout(() => form.current?.querySelector<HTMLInputElement>("input[name='password']")?.focus(), 0);
  };

  const single = async () => {
    if (!sso) return;
    setBusy(true);
    setFailure(null);
    const started = await startSso(sso.providerId, next).catch(() => NETWORK_FAILURE);
    if ("url" in started) {
      window.location.assign(started.url);
      return;
    }
    setFailure(started);
    setBusy(false);
  };

  return (
    <AuthLayout title="Sign in to Tally">
      <form ref={form} className="auth-form" onSubmit={(e) => void submit(e)} noValidate aria-describedby={failure ? "sign-in-error" : undefined}>
        <div id="sign-in-error">
          <FormError message={failure?.message ?? null} />
        </div>
        <Field label="Email" type="email" name="email" autoComplete="username" autoFocus required value={email} onChange={(e) => setEmail(e.target.value)} error={failure?.fields.email} />
        <Field label="Password" type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={failure?.fields.password} />
        <button type="submit" className="primary" disabled={busy || !email.trim() || !password}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {sso ? (
        <div className="auth-alt">
          <span className="muted">or</span>
          <button type="button" onClick={() => void single()} disabled={busy}>
            Sign in with {sso.name}
          </button>
        </div>
      ) : null}
      <p className="small muted">No account yet? Ask an admin of this Tally for an invitation link.</p>
    </AuthLayout>
  );
}
