import type { NextFunction, Request, Response } from 'express';
import { API_CSP } from './web-assets.js';

/**
 * Headers for every response under /v1 and /inbox: no MIME sniffing, no referrer, never framed,
 * and a Content-Security-Policy that allows nothing (the inbox page sets its own). Tenant inbox
 * responses are never stored by caches.
 */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  if (req.path.startsWith('/v1/') || req.path === '/inbox' || req.path.startsWith('/inbox/')) {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', API_CSP);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  }
  if (req.path.startsWith('/v1/admin/') || req.path === '/inbox' || req.path.startsWith('/inbox/dev-login')) {
    res.setHeader('Cache-Control', 'no-store');
  }
  next();
}
