import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { NOTICE_DATA_CATEGORIES, NoticeRenderer, type NoticeContext } from './notice-renderer.js';
import { defaultTemplatesDir, NoticeRenderError, TemplateEngine } from './template-engine.js';

const shipped = defaultTemplatesDir();
const temps: string[] = [];

/** A copy of the shipped templates with some files replaced, for breaking things on purpose. */
function templatesWith(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'notice-templates-'));
  temps.push(dir);
  cpSync(shipped, dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    if (content === null) rmSync(join(dir, path));
    else {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  }
  return dir;
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const ctx: NoticeContext = {
  messageId: 'MC100200',
  tenantName: 'Contoso Ltd',
  locale: 'en-US',
  incidentDate: '2022-09-24',
  dataCategories: ['Names', 'Email addresses'],
  recordCount: 12,
  actionRequiredBy: null,
  support: { url: 'https://support.example.com', phone: null, email: null },
  campaignRef: 'cmp-1',
  inboxUrl: null,
};

/** What a call threw, as a NoticeRenderError (fails the test if it threw nothing or something else). */
function renderError(fn: () => unknown): NoticeRenderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NoticeRenderError);
    return err as NoticeRenderError;
  }
  throw new Error('expected a NoticeRenderError, nothing was thrown');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('shipped templates', () => {
  const engine = new TemplateEngine();

  it('resolve from the source folder and hold en-US and de-DE', () => {
    expect(shipped.replace(/\\/g, '/')).toMatch(/libs\/notices\/templates\/?$/);
    expect(engine.availableLocales()).toEqual(expect.arrayContaining(['de-DE', 'en-US']));
    expect(() => engine.preload()).not.toThrow();
  });

  it('have the same files in every locale', () => {
    const reference = filesUnder(join(shipped, 'en-US'));
    expect(reference).toEqual(
      expect.arrayContaining([
        'layout.html.hbs',
        'notice.data-exposure.html.hbs',
        'email.data-exposure.html.hbs',
        'email.data-exposure.txt.hbs',
        'strings.json',
        'partials/contact.hbs',
        'partials/contact.txt.hbs',
        'partials/categories.hbs',
      ]),
    );
    for (const locale of engine.availableLocales()) expect(filesUnder(join(shipped, locale))).toEqual(reference);
  });

  it('label every data category in every locale', () => {
    for (const locale of engine.availableLocales()) {
      const labels = engine.strings(locale).categories;
      for (const c of NOTICE_DATA_CATEGORIES) expect(typeof labels[c]).toBe('string');
    }
  });

  it('use no triple-stash except the layout inserting the rendered body', () => {
    for (const locale of engine.availableLocales()) {
      for (const file of filesUnder(join(shipped, locale))) {
        const source = readFileSync(join(shipped, locale, file), 'utf8');
        const raw = [...source.matchAll(/\{\{\{\s*([^}]*?)\s*\}\}\}|\{\{&/g)].map((m) => m[1] ?? '&');
        expect({ file, raw: [...new Set(raw)] }).toEqual({ file, raw: file === 'layout.html.hbs' ? ['body'] : [] });
      }
    }
  });
});

describe('locale resolution', () => {
  const engine = new TemplateEngine();
  it.each([
    ['de-DE', 'de-DE'],
    ['de-de', 'de-DE'],
    ['de-AT', 'de-DE'],
    ['de-CH', 'de-DE'],
    ['de', 'de-DE'],
    ['en-US', 'en-US'],
    ['en-GB', 'en-US'],
    ['fr-FR', 'fr-FR'],
    ['fr-CA', 'fr-FR'],
    ['fr', 'fr-FR'],
    ['pt-PT', 'pt-BR'],
    ['zh-TW', 'zh-CN'],
    ['zh-Hant', 'zh-CN'],
    ['zh-Hans-SG', 'zh-CN'],
    ['ja', 'ja-JP'],
    ['sv-SE', 'en-US'],
    ['sv', 'en-US'],
    ['', 'en-US'],
    ['not a locale!', 'en-US'],
    ['../../etc/passwd', 'en-US'],
  ])('%j → %s', (requested, folder) => {
    expect(engine.resolveLocale(requested)).toBe(folder);
  });

  it('prefers a folder of the same script over the first of the language', () => {
    const dir = templatesWith({});
    cpSync(join(dir, 'zh-CN'), join(dir, 'zh-TW'), { recursive: true });
    const engine = new TemplateEngine(dir);
    expect(engine.resolveLocale('zh-HK')).toBe('zh-TW');
    expect(engine.resolveLocale('zh-Hant')).toBe('zh-TW');
    expect(engine.resolveLocale('zh-SG')).toBe('zh-CN');
  });

  it.each([
    ['fr-FR', null],
    ['FR-fr', null],
    ['fr-CA', { requested: 'fr-CA', used: 'fr-FR' }],
    ['sv-SE', { requested: 'sv-SE', used: 'en-US' }],
    ['not a locale!', { requested: 'not a locale!', used: 'en-US' }],
    ['', { requested: '', used: 'en-US' }],
  ])('names %j as a fallback: %j', (requested, fallback) => {
    expect(engine.localeFallback(requested)).toEqual(fallback);
  });

  it.each([
    [['fr-FR'], 'fr-FR'],
    [['fr-CA', 'fr'], 'fr-FR'],
    [['i-klingon', 'nl'], 'nl-NL'],
    [['sv-SE', 'de'], 'de-DE'],
    [['sv'], 'en-US'],
    [[], 'en-US'],
    [['../../etc/passwd', 'ja'], 'ja-JP'],
    [[42, null, 'it-CH'], 'it-IT'],
  ])('picks for a reader who prefers %j the folder %s', (preferences, folder) => {
    expect(engine.pickLocale(preferences)).toBe(folder);
  });

  it('prefers a bare language folder over another region', () => {
    const dir = templatesWith({});
    cpSync(join(dir, 'de-DE'), join(dir, 'de'), { recursive: true });
    expect(new TemplateEngine(dir).resolveLocale('de-AT')).toBe('de');
  });

  it('fails clearly when even the en-US fallback is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'notice-templates-'));
    temps.push(dir);
    cpSync(join(shipped, 'de-DE'), join(dir, 'de-DE'), { recursive: true });
    const err = renderError(() => new TemplateEngine(dir).resolveLocale('fr-FR'));
    expect(err.message).toContain('en-US');
    expect(err.message).toContain('fr-FR');
  });
});

describe('render errors', () => {
  it('a missing variable names the variable, the template and the locale', () => {
    const dir = templatesWith({
      'de-DE/notice.data-exposure.html.hbs': '<p>Hallo</p>\n<p>{{tenantNmae}}</p>',
    });
    const renderer = new NoticeRenderer(new TemplateEngine(dir));
    const err = renderError(() => renderer.renderNotice({ ...ctx, locale: 'de-AT' }));
    expect(err).toMatchObject({
      template: 'notice.data-exposure.html',
      locale: 'de-DE',
      variable: 'tenantNmae',
      status: 500,
    });
    expect(err.message).toContain('"tenantNmae" is not defined at line 2:5');
    expect(err.message).toContain('notice.data-exposure.html');
    expect(err.message).toContain('de-DE');
  });

  it('names the full path of a missing nested variable', () => {
    const dir = templatesWith({ 'en-US/notice.data-exposure.html.hbs': '{{support.phone.number}}' });
    const err = renderError(() =>
      new NoticeRenderer(new TemplateEngine(dir)).renderNotice({ ...ctx, support: { phone: '+1 555' } }),
    );
    expect(err.variable).toBe('support.phone.number');
  });

  it('a misspelt variable in a block helper is an error too, not a silently false branch', () => {
    const dir = templatesWith({ 'en-US/notice.data-exposure.html.hbs': '<p>\n{{#if hasCategorys}}x{{/if}}</p>' });
    const err = renderError(() => new NoticeRenderer(new TemplateEngine(dir)).renderNotice(ctx));
    expect(err.variable).toBe('hasCategorys');
    expect(err.message).toContain('argument of if) at line 2:0');

    const nested = templatesWith({ 'en-US/notice.data-exposure.html.hbs': '{{#if suport.url}}x{{/if}}' });
    expect(renderError(() => new NoticeRenderer(new TemplateEngine(nested)).renderNotice(ctx)).variable).toBe(
      'suport.url',
    );
  });

  it('a missing variable in a helper argument or hash is named', () => {
    const dir = templatesWith({
      'en-US/notice.data-exposure.html.hbs':
        '{{formatNumber recordCount}} {{plural recordCount one="x" other=otherForm}}',
    });
    const err = renderError(() => new NoticeRenderer(new TemplateEngine(dir)).renderNotice(ctx));
    expect(err.variable).toBe('otherForm');
  });

  it('a missing variable inside a partial names the partial', () => {
    const dir = templatesWith({ 'en-US/partials/contact.hbs': '<p>{{support.fax}}</p>' });
    const err = renderError(() => new NoticeRenderer(new TemplateEngine(dir)).renderNotice(ctx));
    expect(err).toMatchObject({ template: 'notice.data-exposure.html', locale: 'en-US', variable: 'support.fax' });
    expect(err.message).toContain('partials/contact.hbs');
  });

  it('the email cannot reach tenant data: its view has none, so strict mode refuses', () => {
    const dir = templatesWith({ 'en-US/email.data-exposure.txt.hbs': '{{messageId}} {{recordCount}}' });
    const err = renderError(() => new NoticeRenderer(new TemplateEngine(dir)).renderEmail(ctx));
    expect(err).toMatchObject({ template: 'email.data-exposure.txt', variable: 'recordCount' });
  });

  it('a template missing from the chosen locale is an error, not a mix of languages', () => {
    const dir = templatesWith({ 'de-DE/email.data-exposure.txt.hbs': null });
    const err = renderError(() => new NoticeRenderer(new TemplateEngine(dir)).renderEmail({ ...ctx, locale: 'de-DE' }));
    expect(err).toMatchObject({ template: 'email.data-exposure.txt', locale: 'de-DE' });
    expect(err.message).toContain('missing');
  });

  it('unknown helpers, lookup and log are refused when the locale loads', () => {
    for (const body of ['{{shout tenantName}}', '{{lookup support "url"}}', '{{log tenantName}}']) {
      const dir = templatesWith({ 'en-US/notice.data-exposure.html.hbs': body });
      const err = renderError(() => new TemplateEngine(dir).preload());
      expect(err.template).toBe('notice.data-exposure.html.hbs');
      expect(err.message).toMatch(/unknown helper/);
    }
  });

  it('prototype properties are not readable from templates', () => {
    const dir = templatesWith({ 'en-US/notice.data-exposure.html.hbs': '[{{tenantName.constructor}}]' });
    const err = renderError(() => new NoticeRenderer(new TemplateEngine(dir)).renderNotice(ctx));
    expect(err.variable).toBe('tenantName.constructor');
    expect(err.message).not.toContain('function');
  });

  it('a broken strings.json is reported with its locale', () => {
    const dir = templatesWith({ 'de-DE/strings.json': '{"noticeTitle": "x", "categories": {}}' });
    const err = renderError(() => new TemplateEngine(dir).strings('de-DE'));
    expect(err).toMatchObject({ template: 'strings.json', locale: 'de-DE', variable: 'emailSubject' });
  });
});
