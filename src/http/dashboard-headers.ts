// Response headers for the dashboard's static files. The page is plain ES modules and one stylesheet from
// this origin, so the policy can forbid everything else: no inline script or style, no other origin, no
// framing. The live feed is a WebSocket to this same host, which CSP level 2 browsers do not count as
// 'self', so ws:/wss: of the request's own host are named explicitly.
import type { RequestHandler } from 'express';

/** A Host header we are willing to echo into a header: a name or address and an optional port, nothing else. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined): string {
  const live = host && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self'${live}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * Sets the Content-Security-Policy, X-Content-Type-Options and Referrer-Policy on every response that
 * passes through it; mount it in front of the static files (it is harmless on JSON answers too).
 */
export function dashboardHeaders(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Ticket links leave for the vendor's system: it need not learn the dashboard's address.
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}
