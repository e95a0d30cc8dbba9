import { BadInputError } from '../../../../libs/common/errors.js';
import { pairUpdateFiles } from './incidents.command.js';

describe('incidents update: --file and --locale pairs', () => {
  it('one file alone is en-US; files and locales pair up in order', () => {
    expect(pairUpdateFiles(['u.md'], [])).toEqual([{ file: 'u.md', locale: 'en-US' }]);
    expect(pairUpdateFiles(['en.md', 'de.md'], ['en-US', 'de-DE'])).toEqual([
      { file: 'en.md', locale: 'en-US' },
      { file: 'de.md', locale: 'de-DE' },
    ]);
  });

  it('refuses no file, or files and locales that do not pair up, with the reason', () => {
    expect(() => pairUpdateFiles([], [])).toThrow(
      new BadInputError('--file: give the update in at least one file (en-US)'),
    );
    expect(() => pairUpdateFiles(['a.md', 'b.md'], ['en-US'])).toThrow(/one --locale for each --file/);
    expect(() => pairUpdateFiles(['a.md'], ['en-US', 'de-DE'])).toThrow(BadInputError);
  });
});
