import { acceptedLanguages } from './accept-language.js';

describe('acceptedLanguages', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['fr-CA,fr;q=0.9', ['fr-CA', 'fr']],
    ['en;q=0.3, ja-JP, fr;q=0.8', ['ja-JP', 'fr', 'en']],
    ['de;q=0, nl', ['nl']],
    ['*', []],
    ['sv, *;q=0.1', ['sv']],
    [
      ['fr;q=0.5', 'it'],
      ['it', 'fr'],
    ],
    ['"><script>, ../../etc/passwd;q=0.9', ['"><script>', '../../etc/passwd']],
  ])('%j → %j', (header, tags) => {
    expect(acceptedLanguages(header)).toEqual(tags);
  });

  it('reads at most ten languages of a long header', () => {
    expect(acceptedLanguages(Array.from({ length: 500 }, (_, i) => `x${i}`).join(','))).toHaveLength(10);
  });
});
