import { Writable } from 'node:stream';
import pino from 'pino';
import { loggedPath, loggerOptions } from './logging.js';

/** A pino logger with the service's options, writing its JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(loggerOptions({ LOG_LEVEL: 'info' }, 'api'), sink), lines };
}

describe('log redaction', () => {
  // a name is recognised by its field; inside free text only addresses and numbers are
  it('masks an address, a phone number and a name in one log call, wherever they sit', () => {
    const { logger, lines } = capture();
    logger.info(
      { contact: { name: 'Lena Horvat', phone: '+1 646 555 1618' }, note: 'from lena.horvat@contoso.com' },
      'sent to lena.horvat@contoso.com, call +1 646 555 1618 (%s)',
      '<lena.horvat@contoso.com>',
    );
    logger.warn({ name: 'Lena Horvat' });
    const raw = JSON.stringify(lines);
    expect(raw).not.toMatch(/lena|horvat|646|1618/i);
    expect(lines[0]).toMatchObject({
      level: 'info',
      app: 'api',
      msg: 'sent to [email], call [phone] (<[email]>)',
      contact: { name: '[name]', phone: '[phone]' },
      note: 'from [email]',
    });
    expect(lines[1]).toMatchObject({ level: 'warn', name: '[name]' });
  });

  it('masks an error message and stack', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('no contact lena.horvat@contoso.com') }, 'failed');
    logger.error(new Error('retry +1 646 555 1618'));
    expect(JSON.stringify(lines)).not.toMatch(/lena|1618/);
    expect(lines[0]!.err).toMatchObject({ type: 'Error', message: 'no contact [email]' });
  });

  it('logs the path of a request, never its query string', () => {
    expect(loggedPath('/inbox/dev-login?tenant=x&email=lena.horvat@contoso.com')).toBe('/inbox/dev-login');
    expect(loggedPath('/v1/tenants?token=abc#frag')).toBe('/v1/tenants');
    expect(loggedPath('/v1/x/lena.horvat@contoso.com')).toBe('/v1/x/[email]');
  });
});
