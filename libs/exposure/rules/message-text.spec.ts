import fc from 'fast-check';
import { foldText, normalizeNewlines, splitMessage, wordCount } from './message-text.js';

const original =
  'Hello Lena,\n\nplease find the statement of work for the Azure migration attached. We plan the kickoff for next Tuesday ' +
  'and need the list of subscriptions, the network diagram and the contact for billing questions before then.\n\nBest, Ana';

describe('splitMessage', () => {
  it('folds spacing, CRLF and case', () => {
    const a = splitMessage(original);
    const b = splitMessage(original.replace(/\n/g, '\r\n').replace(/ /g, '  ').toUpperCase());
    expect(b.own).toBe(a.own);
    expect(a.quoted).toBe('');
  });

  it('takes `On ... wrote:` replies apart', () => {
    const reply = `Thanks Ana, I will send the list tomorrow.\n\nOn Mon, 12 Sep 2022 at 10:00, Ana <ana@x.com> wrote:\n${original
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n')}`;
    const parts = splitMessage(reply);
    expect(parts.own).toBe('thanks ana, i will send the list tomorrow.');
    expect(parts.quoted).toBe(splitMessage(original).own);
  });

  it('takes bare `>` quotes apart', () => {
    const parts = splitMessage(
      `Noted.\n${original
        .split('\n')
        .map((l) => `>${l}`)
        .join('\n')}`,
    );
    expect(parts.own).toBe('noted.');
    expect(parts.quoted).toBe(splitMessage(original).own);
  });

  it('takes forwards apart and drops the forwarded header block', () => {
    const fwd = `FYI\n\n---------- Forwarded message ---------\nFrom: Ana <ana@x.com>\nDate: Mon, 12 Sep 2022\nSubject: SOW\nTo: lena@contoso.com\n\n${original}`;
    expect(splitMessage(fwd).quoted).toBe(splitMessage(original).own);
    const outlook = `See below\r\n-----Original Message-----\r\nFrom: Ana\r\nSent: Monday\r\nTo: Lena\r\nSubject: SOW\r\n\r\n${original}`;
    expect(splitMessage(outlook).quoted).toBe(splitMessage(original).own);
  });

  it('matches a quoted reply-of-a-reply on its own text', () => {
    const reply = `Thanks\n\nOn Mon, Ana wrote:\n> ${original.split('\n').join('\n> ')}`;
    const replyOfReply = `Ok\n\nOn Tue, Lena wrote:\n> ${reply.split('\n').join('\n> ')}`;
    expect(splitMessage(replyOfReply).quoted).toBe('thanks');
  });

  it('drops the signature', () => {
    const signed = `${original}\n-- \nAna Lopez\nAccount Executive`;
    const mobile = `${original}\n\nSent from my phone`;
    expect(splitMessage(signed).own).toBe(splitMessage(original).own);
    expect(splitMessage(mobile).own).toBe(splitMessage(original).own);
  });

  it('counts words of folded text', () => {
    expect(wordCount(foldText('  a  b\n c '))).toBe(3);
    expect(wordCount('')).toBe(0);
  });

  it('skips a replace only where it would change nothing', () => {
    const text = fc
      .array(
        fc.constantFrom(
          'a',
          'B',
          ' ',
          '  ',
          '\t',
          '\n',
          '\r',
          '\r\n',
          '\u00a0',
          '\u2028',
          '\u2029',
          'ﬁ',
          'é',
          'Ａ',
          '\v',
          '\f',
        ),
        { maxLength: 30 },
      )
      .map((xs) => xs.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(normalizeNewlines(t)).toBe(t.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, ''));
        expect(foldText(t)).toBe(t.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase());
      }),
      { numRuns: 3000 },
    );
  });

  it('finds reply headers, forwards and signatures whatever the case and indentation', () => {
    const own = 'thanks for the list of subscriptions, we will review it tomorrow morning with the whole team';
    for (const header of [
      'On Mon, Ana wrote:',
      'ON MON, ANA WROTE:',
      '  on Mon, Ana wrote:',
      'Am Montag schrieb Ana:',
      '---- Original Message ----',
      'BEGIN FORWARDED MESSAGE:',
    ]) {
      expect(splitMessage(`${own}\n${header}\n> ${original}`).own).toBe(own);
    }
    for (const sig of [
      '--',
      ' -- ',
      'SENT FROM MY PHONE',
      '  Get Outlook for iOS',
      'Von meinem iPhone gesendet',
      'von meinem iPhone gesendet\u00a0',
    ]) {
      expect(splitMessage(`${own}\n${sig}\nAna`).own).toBe(own);
    }
    expect(splitMessage(`${own}\nonward we go`).own).toBe(`${own} onward we go`);
  });
});
