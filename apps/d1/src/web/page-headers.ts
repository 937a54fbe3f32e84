/**
 * The page's Content-Security-Policy: scripts only from d1 itself (no inline script, no eval), requests only
 * to d1 (REST, websockets, WebDAV), images from d1 or data: URLs (notebook outputs), and no framing by other
 * sites. Inline styles are allowed: the editor sets them, and sanitised HTML outputs carry them.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response of the page carries. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** index.html is revalidated on every load (it names the current assets); hashed assets never change. */
export const CACHE_INDEX = 'no-cache';
export const CACHE_ASSET = 'public, max-age=31536000, immutable';
