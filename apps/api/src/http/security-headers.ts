import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/**
 * The Content-Security-Policy the built dashboard runs under: its own scripts, styles, data and API only
 * (React and recharts set styles through the CSSOM, which `style-src` does not govern; the build has no
 * inline script or style), never framed, no plugins, no `<base>`.
 */
export const CONTENT_SECURITY_POLICY = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "font-src": ["'self'"],
  "connect-src": ["'self'"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'self'"],
  "object-src": ["'none'"],
} as const;

const helmetHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  referrerPolicy: { policy: "no-referrer" },
  xFrameOptions: { action: "deny" },
  crossOriginOpenerPolicy: { policy: "same-origin" },
  crossOriginResourcePolicy: { policy: "same-origin" },
  // Tally serves plain HTTP by default; HSTS belongs to whatever terminates TLS in front of it.
  strictTransportSecurity: false,
});

/** Sets the security headers on `res` before any handler writes it (helmet's headers, set synchronously). */
export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  helmetHeaders(req, res, (err?: unknown) => {
    if (err) throw err;
  });
  res.setHeader("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
}
