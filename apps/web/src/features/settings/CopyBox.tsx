import { useEffect, useId, useRef, useState } from "react";

/**
 * Text to copy (a setup link, an API key, a command): read-only, selected on focus, with a Copy button
 * whose result is announced. Falls back to selecting the text when the clipboard is not available. `focusOnShow`:
 * a one-time secret takes the focus when it appears (read out with its label, selected for copying).
 */
export function CopyBox({ label, text, multiline = false, focusOnShow = false }: { label: string; text: string; multiline?: boolean; focusOnShow?: boolean }) {
  const id = useId();
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when the box appears
  useEffect(() => {
    if (focusOnShow) field.current?.focus();
  }, []);
  const [copied, setCopied] = useState<"" | "Copied." | "Selected: press Ctrl+C (⌘C) to copy.">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied.");
    } catch {
      field.current?.focus();
      field.current?.select();
      setCopied("Selected: press Ctrl+C (⌘C) to copy.");
    }
  };
  const props = { id, ref: field, readOnly: true, value: text, spellCheck: false, className: "mono", onFocus: () => field.current?.select() };
  return (
    <div className="copy-box">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        {multiline ? <textarea {...props} rows={3} /> : <input {...props} />}
        <button type="button" onClick={() => void copy()} aria-describedby={`${id}-status`}>
          Copy
        </button>
      </div>
      <span id={`${id}-status`} role="status" className="small muted">
        {copied}
      </span>
    </div>
  );
}
