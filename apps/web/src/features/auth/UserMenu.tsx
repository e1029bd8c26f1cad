import { useEffect, useId, useRef, useState } from "react";
import { useMe } from "../../lib/session.ts";
import { signOut } from "./auth-api.ts";
import { ChangePasswordDialog } from "./ChangePasswordDialog.tsx";
import { roleLabel } from "./roles.ts";

/**
 * The top bar's account button: who is signed in and with what role, "Change password" and "Sign out".
 * A disclosure (button + panel): Escape or a click elsewhere closes it and focus returns to the button.
 */
export function UserMenu() {
  const me = useMe();
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      toggle.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  if (!me) return null;
  const isUser = me.kind === "user";
  return (
    <div className="user-menu" ref={root} data-role={me.role}>
      <button ref={toggle} type="button" className="user-menu-toggle" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)}>
        <span className="user-email">{me.label}</span> <span className="badge">{roleLabel(me.role)}</span>
        <span className="sr-only"> account menu</span>
      </button>
      {open ? (
        <div id={panelId} className="user-menu-panel" role="group" aria-label="Account">
          <p className="small">
            Signed in as <strong>{me.label}</strong>
            <br />
            Role: <span data-testid="my-role">{roleLabel(me.role)}</span>
          </p>
          {isUser ? (
            <button
              type="button"
              onClick={() => {
                setOpen(false);
                setChanging(true);
              }}
            >
              Change password
            </button>
          ) : null}
          <button type="button" onClick={() => void signOut().finally(() => window.location.assign("/sign-in"))}>
            Sign out
          </button>
        </div>
      ) : null}
      {changing ? (
        <ChangePasswordDialog
          onClose={() => {
            setChanging(false);
            toggle.current?.focus();
          }}
        />
      ) : null}
    </div>
  );
}
