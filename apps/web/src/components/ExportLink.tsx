import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { sendToSignIn } from "../lib/auth-redirect.ts";

/**
 * A CSV download link (`/api/export/…`) that first makes sure the session is still there: with it gone the
 * browser would save the 401 answer as the file, so the sign-in page opens instead (and comes back here).
 * The download itself stays the browser's own, streamed to disk, never held in memory.
 */
export function ExportLink({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    const a = e.currentTarget;
    if (e.defaultPrevented || a.dataset.checked === "1") {
      delete a.dataset.checked;
      return;
    }
    e.preventDefault();
    void fetch("/api/trpc/system.me", { credentials: "same-origin" }).then(
      (res) => {
        if (res.status === 401) return sendToSignIn();
        a.dataset.checked = "1";
        a.click();
      },
      () => {
        a.dataset.checked = "1";
        a.click(); // offline: let the browser report the failed download as usual
      },
    );
  };
  return <a href={href} download onClick={handle} {...rest} />;
}
