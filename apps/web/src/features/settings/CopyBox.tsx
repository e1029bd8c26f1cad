import { useId, useRef, useState } from "react";

/**
 * Text to copy (a setup link, an API key, a command): read-only, selected on focus, with a Copy button
 * whose result is announced. Falls back to selecting the text when the clipboard is not available.
 */
export function CopyBox({ label, text, multiline = false }: { label: string; text: string; multiline?: boolean }) {
  const id = useId();
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
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
