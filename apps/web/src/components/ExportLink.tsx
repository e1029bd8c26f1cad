import { type AnchorHTMLAttributes, type MouseEvent, useState } from "react";
import { sendToSignIn } from "../lib/auth-redirect.ts";

/**
 * A CSV download link (`/api/export/…`) that first asks the server whether an export would start
 * (`/api/export/slots`): with the session gone the browser would save the 401 answer as the file, so the
 * sign-in page opens instead (and comes back here); with too many exports running (2 per user, 3 per server)
 * it would save the 429 answer, so the reason shows beside the link instead. The download itself stays the
 * browser's own, streamed to disk, never held in memory.
 */
export function ExportLink({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const [refused, setRefused] = useState<string | null>(null);
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    const a = e.currentTarget;
    if (e.defaultPrevented || a.dataset.checked === "1") {
      delete a.dataset.checked;
      return;
    }
    e.preventDefault();
    const download = () => {
      setRefused(null);
      a.dataset.checked = "1";
      a.click();
    };
    void fetch("/api/export/slots", { credentials: "same-origin" }).then(
      async (res) => {
        if (res.status === 401) return sendToSignIn();
        const answer = res.ok ? ((await res.json().catch(() => ({}))) as { refused?: string | null }) : {};
        if (answer.refused) setRefused(`Not started: ${answer.refused}.`);
        else download();
      },
      download, // offline: let the browser report the failed download as usual
    );
  };
  return (
    <>
      <a href={href} download onClick={handle} {...rest} />
      {refused ? (
        <span className="small field-error" role="alert" data-export-refused>
          {refused}
        </span>
      ) : null}
    </>
  );
}
