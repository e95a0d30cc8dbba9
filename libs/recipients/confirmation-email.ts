import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { FALLBACK_LOCALE } from '../notices/template-engine.js';

/** The words of one language (templates/strings/<locale>.json); plain text, never markup. */
interface ConfirmationStrings {
  subject: string;
  heading: string;
  intro: string;
  action: string;
  button: string;
  expiry: string;
  ignore: string;
}

const KEYS: readonly (keyof ConfirmationStrings)[] = [
  'subject',
  'heading',
  'intro',
  'action',
  'button',
  'expiry',
  'ignore',
];

export interface ConfirmationEmailInput {
  /** a shipped template locale (the recipient's) */
  locale: string;
  tenantName: string;
  link: string;
  expiresAt: Date;
}

export interface RenderedConfirmation {
  locale: string;
  subject: string;
  html: string;
  text: string;
}

/** The templates beside this file (jest), or under libs/recipients of the project root (compiled dist/, which has no .hbs). */
export function confirmationTemplatesDir(): string {
  const beside = fileURLToPath(new URL('./templates/', import.meta.url));
  if (existsSync(beside)) return beside;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'libs', 'recipients', 'templates');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`recipient confirmation: no templates folder beside ${beside}`);
    dir = parent;
  }
}

const COMPILE: CompileOptions = {
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: { lookup: false, log: false },
};

/**
 * The confirmation email, in the recipient's language when it has strings, else en-US (the
 * notices' fallback). One isolated, strict Handlebars environment; HTML escaped by default; the
 * subject is a fixed string of the language, so nothing a tenant typed reaches a mail header.
 */
export class ConfirmationEmailRenderer {
  private readonly strings = new Map<string, ConfirmationStrings>();
  private readonly html: HandlebarsTemplateDelegate;
  private readonly text: HandlebarsTemplateDelegate;

  constructor(dir: string = confirmationTemplatesDir()) {
    for (const file of readdirSync(join(dir, 'strings'))) {
      const m = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.json$/.exec(file);
      if (!m) continue;
      const parsed = JSON.parse(readFileSync(join(dir, 'strings', file), 'utf8')) as Record<string, unknown>;
      for (const k of KEYS)
        if (typeof parsed[k] !== 'string' || !parsed[k])
          throw new Error(`recipient confirmation: ${file} has no "${k}"`);
      this.strings.set(m[1]!, parsed as unknown as ConfirmationStrings);
    }
    if (!this.strings.has(FALLBACK_LOCALE))
      throw new Error(`recipient confirmation: no ${FALLBACK_LOCALE} strings in ${dir}`);
    const html = Handlebars.create();
    const text = Handlebars.create();
    for (const env of [html, text]) {
      env.unregisterHelper('lookup');
      env.unregisterHelper('log');
    }
    this.html = this.compile(html, readFileSync(join(dir, 'confirm.html.hbs'), 'utf8'), false);
    this.text = this.compile(text, readFileSync(join(dir, 'confirm.txt.hbs'), 'utf8'), true);
  }

  /** The locales with strings of their own. */
  locales(): string[] {
    return [...this.strings.keys()].sort();
  }

  render(input: ConfirmationEmailInput): RenderedConfirmation {
    const locale = this.strings.has(input.locale) ? input.locale : FALLBACK_LOCALE;
    const s = this.strings.get(locale)!;
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    const view = {
      locale,
      s,
      tenantName: input.tenantName,
      link: input.link,
      expiresAt: `${date.format(input.expiresAt)} UTC`,
    };
    const options: Handlebars.RuntimeOptions = {
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    };
    return { locale, subject: s.subject, html: this.html(view, options), text: this.text(view, options) };
  }

  private compile(env: typeof Handlebars, source: string, plain: boolean): HandlebarsTemplateDelegate {
    return env.compile(source, { ...COMPILE, noEscape: plain });
  }
}
