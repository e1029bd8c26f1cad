import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";

export interface ConfirmOptions {
  title: string;
  body: ReactNode;
  /** The confirming button's text, e.g. "Remove user". */
  confirmLabel: string;
  danger?: boolean;
}

/**
 * A modal question (`<dialog>` opened with showModal: focus stays inside, Escape cancels). Focus starts on
 * Cancel, the safe answer, and goes back to whatever had it when the dialog closes.
 */
function ConfirmDialog({ title, body, confirmLabel, danger, onClose }: ConfirmOptions & { onClose: (ok: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    dialog?.showModal();
    cancel.current?.focus();
    return () => {
      dialog?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(e) => {
        e.preventDefault();
        onClose(false);
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-body`} className="confirm-body">
        {body}
      </div>
      <div className="row confirm-actions">
        <span className="spacer" />
        <button ref={cancel} type="button" onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" className={danger ? "danger" : "primary"} onClick={() => onClose(true)}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** `confirm(options)` resolves true when the person confirms; render `dialog` somewhere in the component. */
export function useConfirm(): { confirm: (o: ConfirmOptions) => Promise<boolean>; dialog: ReactNode } {
  const [ask, setAsk] = useState<{ options: ConfirmOptions; resolve: (ok: boolean) => void } | null>(null);
  const confirm = useCallback((options: ConfirmOptions) => new Promise<boolean>((resolve) => setAsk({ options, resolve })), []);
  const dialog = ask ? (
    <ConfirmDialog
      {...ask.options}
      onClose={(ok) => {
        ask.resolve(ok);
        setAsk(null);
      }}
    />
  ) : null;
  return { confirm, dialog };
}
