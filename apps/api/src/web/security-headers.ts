import type { NextFunction, Request, Response } from 'express';
import { API_CSP } from './web-assets.js';

/**
 * The Swagger UI's policy: its own scripts only; inline styles, which its page and its React
 * components use; it fetches the document and "Try it out" calls from this origin only.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The queue dashboard's policy: its own scripts and styles (and inline styles its page uses); its
 * page sets `<base href>` to its own path. Its web fonts from a third party are not loaded.
 */
export const QUEUES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The policy a path gets; the inbox page replaces it with its own. */
export function contentSecurityPolicy(path: string): string {
  if (under(path, '/docs')) return DOCS_CSP;
  if (under(path, '/queues')) return QUEUES_CSP;
  return API_CSP;
}

/**
 * Headers for every response, probes, metrics, the docs, the dashboard and unknown paths
 * included: no MIME sniffing, no referrer, never framed, and a Content-Security-Policy that allows
 * nothing beyond what the page at that path needs. Tenant inbox responses and the two pages (the
 * inbox and the operators' console) are never stored by caches.
 */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.path));
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (
    req.path.startsWith('/v1/admin/') ||
    req.path === '/inbox' ||
    req.path === '/console' ||
    req.path.startsWith('/inbox/dev-login') ||
    req.path.startsWith('/inbox/recipients/') ||
    req.path.startsWith('/v1/notificationRecipients/')
  ) {
    res.setHeader('Cache-Control', 'no-store');
  }
  next();
}
