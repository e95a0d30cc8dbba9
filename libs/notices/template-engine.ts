/**
 * Loads the notice and email templates from files and renders them with isolated, strict
 * Handlebars instances. No database, no network: files in, strings out.
 *
 * Folder layout (`templates/<locale>/`):
 *   layout.html.hbs, notice.<kind>.html.hbs, email.<kind>.html.hbs, email.<kind>.txt.hbs
 *   partials/<name>.hbs (HTML) and partials/<name>.txt.hbs (plain text, same partial name)
 *   strings.json: { "noticeTitle": "...", "emailSubject": "...", "categories": { ... } }
 *
 * Discipline, because the values come from tenant directories and exposed data:
 * - one `Handlebars.create()` environment per locale and output kind, never the global one;
 * - `strict: true`, and the helpers we call (the built-in block helpers included) refuse an
 *   undefined argument, so a misspelt variable is an error, never an empty string;
 * - only known helpers (`knownHelpersOnly`); `lookup` and `log` are removed;
 * - prototype properties and methods are never readable at run time;
 * - HTML output is escaped by default; plain-text output is compiled without escaping and is
 *   only ever given values that went through `plainText` (see notice-renderer.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable, Optional } from '@nestjs/common';
import Handlebars from 'handlebars';
import { AppError } from '../common/errors.js';
import { canonicalLocale, cleanText } from './notice-values.js';
import { SectionHtml } from './incident-words.js';

/** Nest injection token for a templates folder other than the shipped one (tests, customer branding). */
export const NOTICE_TEMPLATES_DIR = Symbol('NOTICE_TEMPLATES_DIR');

/** The locale every lookup ends at; its folder must exist. */
export const FALLBACK_LOCALE = 'en-US';

/**
 * A template could not be rendered: names the template, the locale folder it came from and,
 * when known, the variable. An operator sees it from `campaigns preview`, before any launch.
 */
export class NoticeRenderError extends AppError {
  constructor(
    readonly template: string,
    readonly locale: string,
    readonly variable: string | null,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`notice template "${template}" (locale ${locale}) cannot be rendered: ${detail}`, 500, 'noticeRenderFailed');
    if (cause !== undefined) this.cause = cause;
  }
}

export type TemplateOutput = 'html' | 'text';

/** What strings.json holds: message templates (rendered as plain text) and category labels. */
export interface LocaleStrings {
  noticeTitle: string;
  emailSubject: string;
  categories: Readonly<Record<string, string>>;
}

const STRING_TEMPLATE_KEYS = ['noticeTitle', 'emailSubject'] as const;
export type StringTemplateKey = (typeof STRING_TEMPLATE_KEYS)[number];

const OUR_HELPERS = ['formatDate', 'formatNumber', 'join', 'plural', 'section'] as const;
const BUILTIN_BLOCK_HELPERS = ['if', 'unless', 'each', 'with'] as const;

function compileOptions(output: TemplateOutput): CompileOptions {
  return {
    strict: true,
    knownHelpersOnly: true,
    knownHelpers: {
      ...Object.fromEntries(OUR_HELPERS.map((h) => [h, true])),
      lookup: false,
      log: false,
    },
    noEscape: output === 'text',
    preventIndent: true,
  };
}

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

type Loc = { start: { line: number; column: number }; end: { line: number; column: number } };
type HbsEnv = ReturnType<typeof Handlebars.create>;
type Render = (view: object) => string;

/** Thrown by a helper that got `undefined` (strict mode does not check helper arguments). */
class UndefinedArgument extends Error {
  constructor(
    readonly helper: string,
    readonly loc: Loc | undefined,
    readonly argument: number | string,
  ) {
    super(`helper ${helper} got an undefined argument`);
  }
}

/** A template error located in the file (template or partial) it happened in. */
class TemplateFault extends Error {
  constructor(
    readonly file: string,
    readonly variable: string | null,
    readonly detail: string,
    readonly original: unknown,
  ) {
    super(detail);
  }
}

/** Source positions → the expressions written there, to name a variable in an error. */
interface SourceIndex {
  paths: Map<string, { original: string; parts: string[] }>;
  calls: Map<string, { params: string[]; hash: Record<string, string> }>;
}

const at = (line: number, column: number) => `${line}:${column}`;

function expressionText(node: hbs.AST.Expression): string {
  switch (node.type) {
    case 'PathExpression':
      return (node as hbs.AST.PathExpression).original;
    case 'StringLiteral':
      return JSON.stringify((node as hbs.AST.StringLiteral).value);
    case 'SubExpression': {
      const sub = node as hbs.AST.SubExpression;
      return `(${[sub.path, ...sub.params].map(expressionText).join(' ')})`;
    }
    default: {
      const value = (node as unknown as { value?: unknown }).value;
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : node.type;
    }
  }
}

function indexSource(ast: hbs.AST.Program): SourceIndex {
  const index: SourceIndex = { paths: new Map(), calls: new Map() };
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as {
      type?: unknown;
      loc?: Loc;
      params?: hbs.AST.Expression[];
      hash?: hbs.AST.Hash;
      original?: string;
      parts?: string[];
    };
    if (n.type === 'PathExpression' && n.loc && typeof n.original === 'string') {
      index.paths.set(at(n.loc.start.line, n.loc.start.column), { original: n.original, parts: n.parts ?? [] });
    }
    if (n.loc && Array.isArray(n.params)) {
      index.calls.set(at(n.loc.start.line, n.loc.start.column), {
        params: n.params.map(expressionText),
        hash: Object.fromEntries((n.hash?.pairs ?? []).map((p) => [p.key, expressionText(p.value)])),
      });
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'loc') visit(value);
  };
  visit(ast);
  return index;
}

/** Turns whatever a template threw into a fault that names the file and, if it can, the variable. */
function locate(err: unknown, file: string, index: SourceIndex): TemplateFault {
  if (err instanceof TemplateFault) return err; // already located by an inner partial
  if (err instanceof UndefinedArgument) {
    const call = err.loc ? index.calls.get(at(err.loc.start.line, err.loc.start.column)) : undefined;
    const written = typeof err.argument === 'number' ? call?.params[err.argument] : call?.hash[err.argument];
    const variable = written ?? null;
    const where = err.loc ? ` at line ${err.loc.start.line}:${err.loc.start.column}` : '';
    const what = variable === null ? `an undefined argument` : `"${variable}" is not defined`;
    return new TemplateFault(file, variable, `${what} (argument of ${err.helper})${where}`, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  const strict = /^"(.*)" not defined in [\s\S]* - (\d+):(\d+)$/.exec(message);
  if (strict) {
    const [, name = '', line = '', column = ''] = strict;
    const variable = index.paths.get(at(Number(line), Number(column)))?.original ?? name;
    return new TemplateFault(file, variable, `"${variable}" is not defined at line ${line}:${column}`, err);
  }
  // Strict mode looks up the inner parts of a path (`a.b` in `a.b.c`, and every part of a helper
  // argument) without a check, so a missing parent is a bare TypeError with no position: name
  // the path of this file that has that part, or list them when several do.
  const part = err instanceof TypeError ? /reading '([^']*)'|search for '([^']*)'/.exec(message) : null;
  if (part) {
    const prop = part[1] ?? part[2] ?? '';
    const candidates = [
      ...new Set([...index.paths.values()].filter((p) => p.parts.slice(1).includes(prop)).map((p) => p.original)),
    ];
    if (candidates.length === 1) {
      return new TemplateFault(
        file,
        candidates[0] ?? prop,
        `"${candidates[0] ?? prop}" is not defined: a part of the path is missing or not an object`,
        err,
      );
    }
    const among = candidates.length > 1 ? ` (in one of ${candidates.join(', ')})` : '';
    return new TemplateFault(
      file,
      prop,
      `"${prop}" cannot be looked up: its parent is missing or not an object${among}`,
      err,
    );
  }
  return new TemplateFault(file, null, message, err);
}

/** Helpers see their locale through the closure: one environment per locale. */
function registerHelpers(env: HbsEnv, locale: string): void {
  env.unregisterHelper('lookup');
  env.unregisterHelper('log');

  const strictly = (name: string, fn: (...args: unknown[]) => unknown) =>
    function (this: unknown, ...args: unknown[]): unknown {
      const options = args[args.length - 1] as { loc?: Loc; hash?: Record<string, unknown> };
      args.slice(0, -1).forEach((arg, i) => {
        if (arg === undefined) throw new UndefinedArgument(name, options.loc, i);
      });
      for (const [key, value] of Object.entries(options.hash ?? {})) {
        if (value === undefined) throw new UndefinedArgument(name, options.loc, key);
      }
      return fn.apply(this, args);
    };

  for (const name of BUILTIN_BLOCK_HELPERS) {
    const builtin = env.helpers[name] as (...args: unknown[]) => unknown;
    env.registerHelper(name, strictly(name, builtin));
  }

  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const firstIsOrdinal = locale.split('-')[0]!.toLowerCase() === 'fr';
  const numbers = new Intl.NumberFormat(locale);
  const lists = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  const plurals = new Intl.PluralRules(locale);

  env.registerHelper(
    'formatDate',
    strictly('formatDate', (value) => {
      if (value === null) return '';
      // the context holds ISO strings; anything else is printed as given and checkContext flags it
      // eslint-disable-next-line @typescript-eslint/no-base-to-string
      const text = String(value);
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) return text;
      // French writes the first of a month as an ordinal ("1er octobre"), which Intl does not
      if (firstIsOrdinal && date.getUTCDate() === 1) {
        return dates
          .formatToParts(date)
          .map((p) => (p.type === 'day' ? `${p.value}er` : p.value))
          .join('');
      }
      return dates.format(date);
    }),
  );
  env.registerHelper(
    'formatNumber',
    strictly('formatNumber', (value) => (typeof value === 'number' ? numbers.format(value) : String(value))),
  );
  env.registerHelper(
    'join',
    strictly('join', (...args) => {
      const list = args[0];
      if (!Array.isArray(list)) throw new Error('join expects a list');
      const items = list.map(String);
      // An explicit separator joins literally; without one the locale's list style applies.
      return args.length > 2 ? items.join(String(args[1])) : lists.format(items);
    }),
  );
  // the operator's words: HTML the Markdown renderer made (raw HTML off) goes in as it is; any
  // other value is escaped like every `{{value}}`, so a plain string can never pass for markup
  env.registerHelper(
    'section',
    strictly('section', (value) =>
      value instanceof SectionHtml ? new Handlebars.SafeString(value.html) : Handlebars.escapeExpression(String(value)),
    ),
  );
  env.registerHelper(
    'plural',
    strictly('plural', (count, options) => {
      const forms = (options as { hash: Record<string, unknown> }).hash;
      if (typeof forms.other !== 'string') throw new Error('plural needs an other="…" form');
      const form = forms[plurals.select(Number(count))];
      return typeof form === 'string' ? form : forms.other;
    }),
  );
}

interface LocaleBundle {
  locale: string;
  templates: Map<string, Render>;
  strings: LocaleStrings;
  stringTemplates: Map<StringTemplateKey, Render>;
}

/** Where the shipped templates live, from the sources (jest) and from the compiled `dist/` tree. */
export function defaultTemplatesDir(): string {
  const beside = fileURLToPath(new URL('./templates/', import.meta.url));
  if (existsSync(beside)) return beside;
  // tsc copies no .hbs files into dist/, so compiled code reads the source folder: walk up from
  // dist/libs/notices/ to the project root (the folder with package.json).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'libs', 'notices', 'templates');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new NoticeRenderError(
    '*',
    '*',
    null,
    `no templates folder beside ${beside} nor under libs/notices/templates of any parent folder`,
  );
}

/** The script a tag is written in once its likely subtags are added (`zh-TW` → `Hant`), or null. */
function scriptOf(tag: string): string | null {
  try {
    return new Intl.Locale(tag).maximize().script ?? null;
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

@Injectable()
export class TemplateEngine {
  readonly templatesDir: string;
  private locales: string[] | undefined;
  private readonly bundles = new Map<string, LocaleBundle>();
  private readonly nearest = new Map<string, string | null>();

  constructor(@Optional() @Inject(NOTICE_TEMPLATES_DIR) templatesDir?: string) {
    this.templatesDir = templatesDir ?? defaultTemplatesDir();
  }

  /** The locale folders present, e.g. ['de-DE', 'en-US']. */
  availableLocales(): string[] {
    if (!this.locales) {
      let entries: string[];
      try {
        entries = readdirSync(this.templatesDir);
      } catch (err) {
        throw new NoticeRenderError('*', '*', null, `cannot read templates folder ${this.templatesDir}`, err);
      }
      this.locales = entries
        .filter(
          (name) => /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(name) && isDirectory(join(this.templatesDir, name)),
        )
        .sort();
    }
    return this.locales;
  }

  /**
   * The locale folder to use for a requested BCP-47 tag: the folder of the same language nearest
   * to it (see `sameLanguageFolder`), else `en-US`. A tag that is not a language tag at all gets
   * `en-US` too. Folder names come from the directory listing only, never from the request.
   */
  resolveLocale(requested: string): string {
    const found =
      this.sameLanguageFolder(requested) ??
      this.availableLocales().find((l) => l.toLowerCase() === FALLBACK_LOCALE.toLowerCase());
    if (!found) {
      const key = typeof requested === 'string' ? requested : '';
      throw new NoticeRenderError(
        '*',
        key,
        null,
        `no template folder for ${key || '(empty locale)'} and no ${FALLBACK_LOCALE} fallback in ${this.templatesDir}`,
      );
    }
    return found;
  }

  /**
   * The folder of the requested tag's language nearest to it, or null when no folder has that
   * language: the exact tag (`de-DE`), else the bare language (`de`), else a folder written in the
   * same script (`zh-HK` → a `zh-TW` folder: both Traditional), else the first folder of the
   * language (`de-AT` → `de-DE`, `pt-PT` → `pt-BR`, `zh-TW` → `zh-CN`: a reader of Traditional
   * Chinese reads Simplified far more surely than English, and a preview lists it as a fallback).
   */
  sameLanguageFolder(requested: unknown): string | null {
    const key = typeof requested === 'string' ? requested : '';
    const hit = this.nearest.get(key);
    if (hit !== undefined) return hit;
    const available = this.availableLocales();
    const byLower = new Map(available.map((l) => [l.toLowerCase(), l]));
    const tag = canonicalLocale(key);
    let found: string | null = null;
    if (tag) {
      const language = tag.split('-')[0]!.toLowerCase();
      const sameLanguage = available.filter((l) => l.split('-')[0]!.toLowerCase() === language);
      const script = scriptOf(tag);
      found =
        byLower.get(tag.toLowerCase()) ??
        byLower.get(language) ??
        sameLanguage.find((l) => script !== null && scriptOf(l) === script) ??
        sameLanguage[0] ??
        null;
    }
    if (this.nearest.size < 1000) this.nearest.set(key, found); // arbitrary tags must not grow the cache without bound
    return found;
  }

  /**
   * Whether a recipient's locale has no templates of its own: what it asked for and the folder it
   * gets instead, or null when its tag is a folder. A fallback is a warning, never a refusal.
   */
  localeFallback(requested: string): { requested: string; used: string } | null {
    const used = this.resolveLocale(requested);
    const tag = canonicalLocale(requested);
    return tag !== null && tag.toLowerCase() === used.toLowerCase()
      ? null
      : { requested: cleanText(requested).slice(0, 80), used };
  }

  /**
   * The folder for a reader who states languages in order of preference (a token claim, then
   * `Accept-Language`): the first one with a folder of its language, else `en-US`.
   */
  pickLocale(preferences: readonly unknown[]): string {
    for (const p of preferences) {
      const folder = this.sameLanguageFolder(p);
      if (folder) return folder;
    }
    return this.resolveLocale(FALLBACK_LOCALE);
  }

  /** Renders `name` (e.g. `notice.data-exposure.html`) from the folder of `locale` (resolved first). */
  render(name: string, locale: string, view: object): string {
    const bundle = this.bundle(this.resolveLocale(locale));
    const template = bundle.templates.get(name);
    if (!template) {
      throw new NoticeRenderError(
        name,
        bundle.locale,
        null,
        `template file ${name}.hbs is missing from ${join(this.templatesDir, bundle.locale)}`,
      );
    }
    return this.run(template, name, bundle.locale, view);
  }

  /** The category labels and raw message strings of a locale. */
  strings(locale: string): LocaleStrings {
    return this.bundle(this.resolveLocale(locale)).strings;
  }

  /** Renders a message string from strings.json (plain text, never HTML-escaped). */
  renderString(key: StringTemplateKey, locale: string, view: object): string {
    const bundle = this.bundle(this.resolveLocale(locale));
    const template = bundle.stringTemplates.get(key)!;
    return this.run(template, `strings.json#${key}`, bundle.locale, view);
  }

  /** Loads and compiles every locale now, so a broken template fails at start-up, not mid-campaign. */
  preload(): void {
    for (const locale of this.availableLocales()) this.bundle(locale);
  }

  private run(template: Render, name: string, locale: string, view: object): string {
    try {
      return template(view);
    } catch (err) {
      const fault = err instanceof TemplateFault ? err : new TemplateFault(name, null, String(err), err);
      const where = fault.file.startsWith('partials/') ? ` (in partial ${fault.file})` : '';
      throw new NoticeRenderError(name, locale, fault.variable, `${fault.detail}${where}`, fault.original);
    }
  }

  private bundle(locale: string): LocaleBundle {
    const cached = this.bundles.get(locale);
    if (cached) return cached;
    const bundle = this.load(locale);
    this.bundles.set(locale, bundle);
    return bundle;
  }

  private load(locale: string): LocaleBundle {
    const dir = join(this.templatesDir, locale);
    const envs: Record<TemplateOutput, HbsEnv> = { html: Handlebars.create(), text: Handlebars.create() };
    registerHelpers(envs.html, locale);
    registerHelpers(envs.text, locale);

    const compile = (output: TemplateOutput, file: string, source: string): Render => {
      const env = envs[output];
      const options = compileOptions(output);
      let ast: hbs.AST.Program;
      try {
        ast = env.parse(source, { srcName: file });
        // precompile runs the whole compiler now: unknown helpers and syntax errors fail at load
        env.precompile(ast, options);
      } catch (err) {
        throw new NoticeRenderError(file, locale, null, err instanceof Error ? err.message : String(err), err);
      }
      const index = indexSource(ast);
      const compiled = env.compile(ast, options);
      return (view: object, runtime?: Handlebars.RuntimeOptions) => {
        try {
          // a partial is called with the caller's runtime options, which carry the same proto settings
          return compiled(view, runtime ?? RUNTIME_OPTIONS);
        } catch (err) {
          throw locate(err, file, index);
        }
      };
    };

    const read = (path: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new NoticeRenderError(path, locale, null, `cannot read ${path}`, err);
      }
    };

    const partialsDir = join(dir, 'partials');
    if (isDirectory(partialsDir)) {
      for (const file of readdirSync(partialsDir).sort()) {
        if (!file.endsWith('.hbs')) continue;
        const output: TemplateOutput = file.endsWith('.txt.hbs') ? 'text' : 'html';
        const name = file.replace(/(\.txt|\.html)?\.hbs$/, '');
        const render = compile(output, `partials/${file}`, read(join(partialsDir, file)));
        envs[output].registerPartial(name, render as Handlebars.TemplateDelegate);
      }
    }

    const templates = new Map<string, Render>();
    for (const file of readdirSync(dir).sort()) {
      const m = /^(.+)\.(html|txt)\.hbs$/.exec(file);
      if (!m) continue;
      templates.set(`${m[1]}.${m[2]}`, compile(m[2] === 'txt' ? 'text' : 'html', file, read(join(dir, file))));
    }

    const strings = this.readStrings(locale, read(join(dir, 'strings.json')));
    const stringTemplates = new Map<StringTemplateKey, Render>(
      STRING_TEMPLATE_KEYS.map((key) => [key, compile('text', `strings.json#${key}`, strings[key])]),
    );
    return { locale, templates, strings, stringTemplates };
  }

  private readStrings(locale: string, source: string): LocaleStrings {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (err) {
      throw new NoticeRenderError('strings.json', locale, null, `not valid JSON: ${(err as Error).message}`, err);
    }
    const obj = (parsed ?? {}) as Record<string, unknown>;
    for (const key of STRING_TEMPLATE_KEYS) {
      if (typeof obj[key] !== 'string')
        throw new NoticeRenderError('strings.json', locale, key, `"${key}" is missing or not a string`);
    }
    const categories = obj.categories;
    if (
      categories === null ||
      typeof categories !== 'object' ||
      Array.isArray(categories) ||
      !Object.values(categories).every((v) => typeof v === 'string')
    ) {
      throw new NoticeRenderError(
        'strings.json',
        locale,
        'categories',
        '"categories" must map each category to its label',
      );
    }
    // a null-prototype copy: a category called "constructor" or "__proto__" finds no label
    const labels = Object.assign(Object.create(null) as Record<string, string>, categories as Record<string, string>);
    return {
      noticeTitle: obj.noticeTitle as string,
      emailSubject: obj.emailSubject as string,
      categories: Object.freeze(labels),
    };
  }
}
