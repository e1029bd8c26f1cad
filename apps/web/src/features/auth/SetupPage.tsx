import { type FormEvent, useEffect, useState } from "react";
import { Link } from "../../components/Link.tsx";
import { useLocation } from "../../lib/router.ts";
import { type Failure, failureOf, NETWORK_FAILURE, redeemSetup, type SetupOffer, setupOffer, signIn } from "./auth-api.ts";
import { AuthLayout } from "./AuthLayout.tsx";
import { Field, FormError } from "./Field.tsx";
import { roleLabel } from "./roles.ts";

/**
 * `/setup?token=…`: a first-run or invitation link. Shows the role offered (and the invited email, locked),
 * creates the account, signs in and opens the dashboard. A used or expired link says so, with a way to sign in.
 */
export default function SetupPage() {
  const token = useLocation().params.get("token") ?? "";
  const [offer, setOffer] = useState<SetupOffer | Failure | null>(null);

  useEffect(() => {
    document.title = "Set up your account · Tally";
    let live = true;
    void setupOffer(token)
      .catch(() => NETWORK_FAILURE)
      .then((o) => live && setOffer(o));
    return () => {
      live = false;
    };
  }, [token]);

  if (offer === null) {
    return (
      <AuthLayout title="Set up your account">
        <p className="muted" aria-busy="true">
          Checking your link…
        </p>
      </AuthLayout>
    );
  }
  if ("message" in offer) {
    return (
      <AuthLayout title="This setup link does not work">
        <FormError message={offer.message} />
        <p>
          Already have an account? <Link href="/sign-in">Sign in</Link>
        </p>
      </AuthLayout>
    );
  }
  return <SetupForm token={token} offer={offer} />;
}

function SetupForm({ token, offer }: { token: string; offer: SetupOffer }) {
  const [email, setEmail] = useState(offer.email ?? "");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) {
      setFailure({ message: "Please correct the fields marked below.", fields: { confirm: "the two passwords differ" } });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const created = await redeemSetup({ token, email: email.trim(), name: name.trim(), password });
      if (created.status !== 201) {
        setFailure(failureOf(created));
        setBusy(false);
        return;
      }
      const signedIn = await signIn(email.trim(), password);
      window.location.assign(signedIn.status === 200 ? "/" : "/sign-in");
    } catch {
      setFailure(NETWORK_FAILURE);
      setBusy(false);
    }
  };

  return (
    <AuthLayout title={offer.email === null ? "Create the first admin account" : "Accept your invitation"}>
      <p data-offered-role={offer.role}>
        You will join as <strong>{roleLabel(offer.role)}</strong>.
      </p>
      <form className="auth-form" onSubmit={(e) => void submit(e)} noValidate>
        <FormError message={failure?.message ?? null} />
        {failure?.fields.token ? <FormError message={failure.fields.token} /> : null}
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          readOnly={offer.email !== null}
          hint={offer.email !== null ? "The invitation is for this address." : undefined}
          onChange={(e) => setEmail(e.target.value)}
          error={failure?.fields.email}
        />
        <Field label="Name" name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} error={failure?.fields.name} />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          value={password}
          hint="At least 12 characters."
          onChange={(e) => setPassword(e.target.value)}
          error={failure?.fields.password}
        />
        <Field label="Confirm password" type="password" name="confirm" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} error={failure?.fields.confirm} />
        <button type="submit" className="primary" disabled={busy || !email.trim() || !name.trim() || !password || !confirm}>
          {busy ? "Creating your account…" : "Create account and sign in"}
        </button>
      </form>
    </AuthLayout>
  );
}
