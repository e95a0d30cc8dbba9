/**
 * The inbox page's static files (written beside this file), read once into memory. tsc copies no
 * .html/.js/.css into dist/, so compiled code reads them from the source folder, found by walking
 * up to the project root as the notice templates are (libs/notices/template-engine.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

export function loadWebAssets(dir: string = webAssetsDir()): WebAssets {
  const assets = new Map<string, WebAsset>();
  for (const [name, type] of Object.entries(ASSET_TYPES))
    assets.set(name, { body: readFileSync(join(dir, name)), type });
  const pages = Object.fromEntries(PAGE_FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')])) as Record<
    PageFile,
    string
  >;
  return { assets, pages };
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
