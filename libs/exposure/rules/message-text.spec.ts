import { foldText, splitMessage, wordCount } from './message-text.js';

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
    const parts = splitMessage(`Noted.\n${original.split('\n').map((l) => `>${l}`).join('\n')}`);
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
});
