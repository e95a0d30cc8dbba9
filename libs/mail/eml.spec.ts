import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { buildEml, quotedPrintable, rfc5322Date } from './eml.js';

describe('quotedPrintable', () => {
  it('keeps printable ASCII, encodes the rest and "=" and trailing white space', () => {
    expect(quotedPrintable('a = b')).toBe('a =3D b');
    expect(quotedPrintable('ü')).toBe('=C3=BC');
    expect(quotedPrintable('end \nx\t')).toBe('end=20\r\nx=09');
  });

  it('never writes a line over 76 characters nor splits an escape', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        const out = quotedPrintable(s);
        return out.split('\r\n').every((l) => l.length <= 76 && !/=[0-9A-F]?$/.test(l.replace(/=$/, '')));
      }),
    );
  });
});

describe('buildEml', () => {
  it('dates in RFC 5322 form', () => {
    expect(rfc5322Date(new Date('2026-11-28T18:20:55Z'))).toBe('Sat, 28 Nov 2026 18:20:55 +0000');
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
          const eml = buildEml({
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
