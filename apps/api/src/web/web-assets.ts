/**
 * The inbox page's static files (written beside this file), read once into memory. tsc copies no
 * .html/.js/.css into dist/, so compiled code reads them from the source folder, found by walking
 * up to the project root as the notice templates are (libs/notices/template-engine.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';

export function webAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'index.html'))) return here;
  let dir = here;
  for (;;) {
    const candidate = join(dir, 'apps', 'api', 'src', 'web');
    if (existsSync(join(dir, 'package.json')) && existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`inbox page: no index.html beside ${here} nor under apps/api/src/web of any parent folder`);
    dir = parent;
  }
}

export interface WebAsset {
  body: Buffer;
  type: string;
}

/** The files served under /inbox/assets/, by name: nothing else is reachable (no path from the request touches the file system). */
export const ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'dev-login.js': 'text/javascript; charset=utf-8',
  'confirm.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'message.css': 'text/css; charset=utf-8',
};

export const PAGE_FILES = ['index.html', 'dev-login.html', 'refused.html', 'confirm.html'] as const;
export type PageFile = (typeof PAGE_FILES)[number];

export interface WebAssets {
  assets: Map<string, WebAsset>;
  pages: Record<PageFile, string>;
}

/** A page's static files: its assets by name (with their content types) and its HTML pages. */
export interface StaticFiles<P extends string> {
  assets: Map<string, WebAsset>;
  pages: Record<P, string>;
}

/** Reads the named assets and pages of one folder into memory; a missing file fails at start, not on a request. */
export function loadStaticFiles<P extends string>(
  dir: string,
  assetTypes: Readonly<Record<string, string>>,
  pageFiles: readonly P[],
): StaticFiles<P> {
  const assets = new Map<string, WebAsset>();
  for (const [name, type] of Object.entries(assetTypes))
    assets.set(name, { body: readFileSync(join(dir, name)), type });
  const pages = Object.fromEntries(pageFiles.map((f) => [f, readFileSync(join(dir, f), 'utf8')])) as Record<P, string>;
  return { assets, pages };
}

export function loadWebAssets(dir: string = webAssetsDir()): WebAssets {
  return loadStaticFiles(dir, ASSET_TYPES, PAGE_FILES);
}

/** The operator console's files (apps/api/src/web/console/), served under /console/assets/. */
export const CONSOLE_ASSET_TYPES: Readonly<Record<string, string>> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
export const CONSOLE_PAGE_FILES = ['console.html'] as const;
export type ConsolePageFile = (typeof CONSOLE_PAGE_FILES)[number];

export function loadConsoleAssets(dir: string = join(webAssetsDir(), 'console')): StaticFiles<ConsolePageFile> {
  return loadStaticFiles(dir, CONSOLE_ASSET_TYPES, CONSOLE_PAGE_FILES);
}

/** Sends one of the pages with the page policy: the inbox and the console answer alike. */
export function sendPage(res: Response, status: number, body: string): void {
  res
    .status(status)
    .setHeader('Content-Type', 'text/html; charset=utf-8')
    .setHeader('Content-Security-Policy', PAGE_CSP)
    .send(body);
}

/**
 * Sends a named static file, or 404: only the listed files are reachable (no path from the
 * request touches the file system). `crossOrigin`: a file an opaque-origin frame loads.
 */
export function sendAsset(
  res: Response,
  assets: ReadonlyMap<string, WebAsset>,
  name: string,
  opts: { crossOrigin?: boolean } = {},
): void {
  const a = assets.get(name);
  if (!a) {
    res.status(404).json({ error: { code: 'notFound', message: 'not found' } });
    return;
  }
  res.status(200).setHeader('Content-Type', a.type).setHeader('Cache-Control', 'no-cache');
  if (opts.crossOrigin) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.send(a.body);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Fills `{{NAME}}` placeholders with escaped values; a placeholder without a value is an error, not an empty string. */
export function fillPage(html: string, values: Readonly<Record<string, string>>): string {
  return html.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`inbox page: no value for {{${name}}}`);
    return escapeHtml(v);
  });
}

/** The page's policy: its own scripts and styles only, no inline code, nothing may frame it. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** For every response of the API (JSON and the page): no sniffing, no referrer, no framing. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
