import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { buildEml, type EmlInput } from './eml.js';

const message = (over: Partial<EmlInput> = {}): EmlInput => ({
  from: 'DoNotReply@notify.example.com',
  to: { address: 'admin@contoso.com', displayName: 'Admin' },
  subject: 'Notice',
  text: 'x',
  html: '<p>x</p>',
  messageId: '<id-1@notify.example.com>',
  date: new Date('2026-01-02T03:04:05Z'),
  ...over,
});

/** The quoted-printable body of the text/plain part. */
async function plainBody(text: string): Promise<string> {
  const eml = await buildEml(message({ text }));
  const part = eml.split(/\r\n--=_alt-[0-9a-f]+-Part_1/)[1]!;
  expect(part).toMatch(
    /^\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n/,
  );
  return part.split('\r\n\r\n').slice(1).join('\r\n\r\n');
}

describe('quoted-printable bodies', () => {
  it('keep printable ASCII, encode the rest and "=" and trailing white space', async () => {
    expect(await plainBody('a = b')).toBe('a =3D b');
    expect(await plainBody('ü')).toBe('=C3=BC');
    expect(await plainBody('end \nx\t')).toBe('end=20\r\nx=09');
  });

  it('never write a line over 76 characters nor split an escape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 400 }), async (s) => {
        const out = await plainBody(s);
        return out.split('\r\n').every((l) => l.length <= 76 && !/=[0-9A-F]?$/.test(l.replace(/=$/, '')));
      }),
      { numRuns: 150 },
    );
  });
});

describe('buildEml', () => {
  it('dates in RFC 5322 form, in UTC', async () => {
    const eml = await buildEml(message({ date: new Date('2026-11-28T18:20:55Z') }));
    expect(eml).toMatch(/^Date: Sat, 28 Nov 2026 18:20:55 \+0000\r$/m);
  });

  it('writes the same bytes for the same message', async () => {
    expect(await buildEml(message())).toBe(await buildEml(message()));
  });

  it('round-trips any subject, display name and bodies through an independent MIME parser', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 120 })
          .filter((s) => s.trim() === s && !/[\r\n]/.test(s) && s !== ''),
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
          .filter((s) => s.trim() === s && !/[\r\n"\\]/.test(s) && s !== ''),
        fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => s.replace(/\r\n?/g, '\n')),
        async (subject, name, body) => {
          const text = `x${body}x`;
          const html = `<p>${body}</p>`;
          const eml = await buildEml({
            from: 'DoNotReply@notify.example.com',
            to: { address: 'admin@contoso.com', displayName: name },
            subject,
            text,
            html,
            messageId: '<id-1@notify.example.com>',
            date: new Date('2026-01-02T03:04:05Z'),
          });
          const p = await PostalMime.parse(eml);
          // decoded text comes back with LF line ends, and postal-mime keeps the line break that
          // precedes a part's boundary (RFC 2046 gives it to the boundary)
          const norm = (s?: string) => s?.replace(/\r\n/g, '\n').replace(/\n$/, '');
          return (
            p.subject === subject &&
            (p.to?.[0] as { name?: string } | undefined)?.name === name &&
            norm(p.text) === text &&
            norm(p.html) === html
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
