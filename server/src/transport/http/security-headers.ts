import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';

const PDF_PATH = /\.pdf$/i;

/** A Host header we are willing to echo into the policy (anything else gets only 'self'). */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The WebSocket origin of this very page. CSP3 lets 'self' cover ws(s): of the same host, but
 * older engines (Safari before 15.4) did not, so it is named explicitly: y-websocket on /yjs
 * and socket.io on /socket.io are the only sockets the client opens.
 */
function sameHostSocket(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  if (!PLAIN_HOST.test(host)) return "'self'";
  return `${(req as Request).secure ? 'wss' : 'ws'}://${host}`;
}

/**
 * Security headers on every response (helmet), the same for the SPA, its assets and the API:
 *
 * - a strict Content-Security-Policy: scripts and styles only from our own files (no inline
 *   script or <style>; Svelte 5 and our editor code set styles through the CSSOM, which CSP
 *   allows, and Tiptap's injected <style> is turned off in favour of a CSS file), connections
 *   only to this service, no plugins, no framing (frame-ancestors 'none');
 * - X-Content-Type-Options: nosniff, X-Frame-Options: DENY for old browsers;
 * - Referrer-Policy: same-origin, so an invite link's token never leaves in a Referer, while
 *   our own fetches keep a real Origin header (no-referrer would send `Origin: null` on a
 *   same-origin POST, which the CSRF check refuses);
 * - HSTS and upgrade-insecure-requests only over TLS (req.secure, which honours TRUST_PROXY):
 *   sent over plain http they would break a LAN or localhost install, or pin it to https.
 */
export function securityHeaders(opts: { publicUrl: string | null } = { publicUrl: null }): RequestHandler {
  // Behind a proxy that rewrites Host, the page's own socket origin is PUBLIC_URL's.
  const publicSocket = opts.publicUrl ? [opts.publicUrl.replace(/^http/, 'ws')] : [];
  const make = (tls: boolean, csp: boolean) =>
    helmet({
      contentSecurityPolicy: csp && {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          baseUri: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          // data: for the inline SVG favicon in index.html.
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'", sameHostSocket, ...publicSocket],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          ...(tls ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      referrerPolicy: { policy: 'same-origin' },
      xFrameOptions: { action: 'deny' },
      strictTransportSecurity: tls ? { maxAge: 365 * 86_400, includeSubDomains: true } : false,
    });
  const page = { tls: make(true, true), plain: make(false, true) };
  const pdf = { tls: make(true, false), plain: make(false, false) };
  return (req, res, next) => {
    // A PDF shown inline (certificates, exports) is drawn by Chromium's viewer plugin, which
    // object-src 'none' on the PDF's own response would block; a PDF runs no script of ours.
    const set = PDF_PATH.test(req.path) ? pdf : page;
    return (req.secure ? set.tls : set.plain)(req, res, next);
  };
}
