import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AppLogger, httpLogger, loggedPath, loggerOptions } from './logging.js';

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
  return { logger: pino(loggerOptions({ LOG_LEVEL: 'info' }, 'api'), sink), lines, sink };
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

describe('the Nest logger over pino', () => {
  const appLogger = () => {
    const { sink, lines } = capture();
    return { logger: new AppLogger(httpLogger({ LOG_LEVEL: 'info', LOG_PRETTY: false }, 'api', sink)), lines };
  };

  it("writes Nest log calls as JSON lines with their context, and an exception handler's stack as an error", () => {
    const { logger, lines } = appLogger();
    logger.log('listening', 'NestApplication');
    logger.warn({ queue: 'campaign' }, 'Worker');
    logger.error('boom at lena.horvat@contoso.com', 'Error: boom\n    at handler (x.js:1:1)', 'ExceptionsHandler');
    logger.debug('not at info level', 'X');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'listening', context: 'NestApplication', app: 'api' });
    expect(lines[1]).toMatchObject({ level: 'warn', queue: 'campaign', context: 'Worker' });
    expect(lines[2]).toMatchObject({
      level: 'error',
      context: 'ExceptionsHandler',
      err: { message: 'boom at [email]' },
    });
    expect((lines[2]!.err as { stack: string }).stack).toContain('at handler');
  });

  it('tags what is logged while a request is handled with its request id, and logs the request once', async () => {
    const { logger, lines } = appLogger();
    const server = createServer((req, res) =>
      logger.middleware(req, res, () => {
        logger.log('handling', 'Controller');
        res.end('ok');
      }),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      await (await fetch(`http://127.0.0.1:${port}/v1/x?token=t`, { headers: { 'x-request-id': 'req-42' } })).text();
      await (await fetch(`http://127.0.0.1:${port}/health/live`)).text();
    } finally {
      await new Promise((done) => server.close(done));
    }
    const inside = lines.find((l) => l.msg === 'handling');
    expect(inside).toMatchObject({ context: 'Controller', req: { id: 'req-42', url: '/v1/x' } });
    const done = lines.filter((l) => l.msg === 'request completed');
    expect(done).toHaveLength(1); // the probe is not logged
    expect(done[0]).toMatchObject({ req: { id: 'req-42', method: 'GET', url: '/v1/x' }, res: { statusCode: 200 } });
  });
});
