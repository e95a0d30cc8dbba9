import {
  ASSET_TYPES,
  CONSOLE_ASSET_TYPES,
  escapeHtml,
  fillPage,
  loadConsoleAssets,
  loadWebAssets,
  PAGE_CSP,
} from './web-assets.js';

describe('inbox page assets', () => {
  it('fills placeholders with escaped values and refuses a missing one', () => {
    expect(fillPage('<p title="{{A}}">{{A}}</p>', { A: `"><script>alert('x')</script>&` })).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
    expect(() => fillPage('{{MISSING}}', {})).toThrow(/no value for \{\{MISSING\}\}/);
    expect(escapeHtml('plain')).toBe('plain');
  });

  it('loads every page and asset, and no page carries inline script or inline handlers', () => {
    const { assets, pages } = loadWebAssets();
    expect([...assets.keys()].sort()).toEqual(Object.keys(ASSET_TYPES).sort());
    for (const html of Object.values(pages)) {
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/style\s*=/i);
    }
    // the page script builds the DOM from text, never from markup
    for (const name of ['app.js', 'confirm.js']) {
      const js = assets.get(name)!.body.toString('utf8');
      expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
    expect(PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("loads the operator console's page and files, with no inline code and no markup built from data", () => {
    const { assets, pages } = loadConsoleAssets();
    expect([...assets.keys()].sort()).toEqual(Object.keys(CONSOLE_ASSET_TYPES).sort());
    const html = pages['console.html'];
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/style\s*=/i);
    // every file it loads is its own
    const loaded = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(loaded.filter((u) => !u.startsWith('/console/assets/') && u !== 'data:,' && !u.startsWith('#'))).toEqual([]);
    const js = assets.get('console.js')!.body.toString('utf8');
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });
});
