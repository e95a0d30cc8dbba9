import { describe, expect, it } from '@jest/globals';
import { MAX_TEXT_MATCHES, excerptAround, findTextElements } from './text-elements.js';

const addrs = (subject: string | undefined, body: string | undefined) =>
  findTextElements(subject, body).addresses.map((m) => [m.raw, m.where]);
const phones = (body: string) => findTextElements(undefined, body).phones.map((m) => m.raw);

describe('findTextElements', () => {
  it('finds addresses in a signature, a sentence and the subject, without the full stop that ends a sentence', () => {
    expect(
      addrs(
        'Intro: Ana.Lopez@Contoso.com',
        'Please reach my colleague ana@contoso.com.\n--\nBo Li | bo.li@labs.contoso.com',
      ),
    ).toEqual([
      ['Ana.Lopez@Contoso.com', 'subject'],
      ['ana@contoso.com', 'body'],
      ['bo.li@labs.contoso.com', 'body'],
    ]);
  });

  it('tells a quoted header line (plain or behind `>`) from the rest of the body', () => {
    const body =
      'FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Lena <lena@fabrikam.de>\nTo: a@x.com; b@y.com\n> Cc: kai@contoso.com\nSubject: lena@fabrikam.de again\n\nhi';
    expect(addrs(undefined, body)).toEqual([
      ['lena@fabrikam.de', 'quotedHeader'],
      ['a@x.com', 'quotedHeader'],
      ['b@y.com', 'quotedHeader'],
      ['kai@contoso.com', 'quotedHeader'],
      ['lena@fabrikam.de', 'body'],
    ]);
  });

  it('keeps an IDN domain as written, and skips what only looks like an address', () => {
    expect(addrs(undefined, 'jörg@bücher-müller.de, @handle, user@localhost, a@ b.com, @@')).toEqual([
      ['jörg@bücher-müller.de', 'body'],
    ]);
  });

  it('reads a phone number only after `+` or a label: invoice and case numbers are left alone', () => {
    expect(
      phones(
        'Invoice 12345678, case 2024-555-0147.\nTel: 030 5550 1234\nMobile +1 (425) 555-0100, fax. +49 30 55501234',
      ),
    ).toEqual(['030 5550 1234', '+1 (425) 555-0100', '+49 30 55501234']);
  });

  it('is bounded: a body full of addresses yields at most MAX_TEXT_MATCHES, and a long run without `@` costs one scan', () => {
    const many = Array.from({ length: MAX_TEXT_MATCHES + 50 }, (_, i) => `u${i}@x${i}.com`).join(' ');
    expect(findTextElements(undefined, many).addresses).toHaveLength(MAX_TEXT_MATCHES);
    const big = 'a'.repeat(512 * 1024);
    const t0 = performance.now();
    expect(findTextElements(undefined, `${big}@${big}.com`).addresses).toEqual([]);
    expect(findTextElements(undefined, '+1 '.repeat(150_000)).phones).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('an excerpt is the match with its neighbourhood on one line', () => {
    const text = `${'x'.repeat(100)}\nreach ana@contoso.com today\n${'y'.repeat(100)}`;
    const at = text.indexOf('ana@');
    const ex = excerptAround(text, at, 'ana@contoso.com'.length, 10);
    expect(ex).toBe('…xxx reach ana@contoso.com today yyy…');
  });
});
