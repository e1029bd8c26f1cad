import { type FormEvent, useEffect, useRef, useState } from "react";
import { changePassword, type Failure, failureOf, NETWORK_FAILURE } from "./auth-api.ts";
import { Field, FormError } from "./Field.tsx";

/**
 * A modal dialog (native <dialog>: focus stays inside, Escape closes): current, new and confirmed password.
 * Other sessions are signed out; this one stays.
 */
export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== confirm) {
      setFailure({ message: "Please correct the fields marked below.", fields: { confirm: "the two new passwords differ" } });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const answer = await changePassword(current, next);
      if (answer.status === 200) setDone(true);
      else if (answer.body.code === "INVALID_PASSWORD") {
        // better-auth's refusal of the current password ("Invalid password") belongs to that field.
        setFailure({ message: "Please correct the fields marked below.", fields: { currentPassword: "the current password is wrong" } });
      } else setFailure(failureOf(answer));
    } catch {
      setFailure(NETWORK_FAILURE);
    }
    setBusy(false);
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="change-password-title" onClose={onClose}>
      <h2 id="change-password-title">Change password</h2>
      {done ? (
        <>
          <p role="status">Your password is changed. Other sessions are signed out.</p>
          <div className="row">
            {/* biome-ignore lint/a11y/noAutofocus: the dialog's content changed under the focus; HTML's way to place focus in a dialog is autofocus */}
            <button type="button" className="primary" autoFocus onClick={() => ref.current?.close()}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form className="auth-form" onSubmit={(e) => void submit(e)} noValidate>
          <FormError message={failure?.message ?? null} />
          <Field label="Current password" type="password" autoComplete="current-password" required autoFocus value={current} onChange={(e) => setCurrent(e.target.value)} error={failure?.fields.currentPassword} />
          <Field label="New password" type="password" autoComplete="new-password" required hint="At least 12 characters." value={next} onChange={(e) => setNext(e.target.value)} error={failure?.fields.newPassword} />
          <Field label="Confirm new password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} error={failure?.fields.confirm} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy || !current || !next || !confirm}>
              {busy ? "Changing…" : "Change password"}
            </button>
            <button type="button" onClick={() => ref.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
