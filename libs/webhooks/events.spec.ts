import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { eventId, newSigningSecret, noticeEventBody, signedHeaders } from './events.js';

describe('webhook events and signatures', () => {
  it("signs as the Standard Webhooks specification's published example says", () => {
    // the example of the specification (standard-webhooks.com, spec "Signature scheme")
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const h = signedHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '{"test": 2432232314}', new Date(1614265330_000));
    expect(h['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(h['webhook-timestamp']).toBe('1614265330');
    expect(h['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
  });

  it('is HMAC-SHA256 of id.timestamp.body under the base64 secret, as an independent computation gives it', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const at = new Date('2026-12-01T10:00:00Z');
    const body = '{"type":"notice.posted"}';
    const h = signedHeaders(secret, 'msg_x', body, at);
    const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`msg_x.${Math.floor(at.getTime() / 1000)}.${body}`)
      .digest('base64');
    expect(h['webhook-signature']).toBe(`v1,${mac}`);
    // a one-byte change of the body fails verification
    expect(() =>
      new Webhook(secret).verify(body.replace('posted', 'postex'), {
        ...h,
        'webhook-timestamp': h['webhook-timestamp']!,
      }),
    ).toThrow();
  });

  it('gives one event id per (type, notice), the same every time', () => {
    expect(eventId('notice.posted', 'MC1')).toBe(eventId('notice.posted', 'MC1'));
    expect(eventId('notice.posted', 'MC1')).not.toBe(eventId('notice.posted', 'MC2'));
    expect(eventId('notice.posted', 'MC1')).not.toBe(eventId('notice.updated', 'MC1'));
    expect(eventId('notice.posted', 'MC1')).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it('carries the notice pointer only: type, ids, title, links from the public base URL, times', () => {
    const body: unknown = JSON.parse(
      noticeEventBody(
        'notice.posted',
        {
          noticeId: 'MC1000042',
          tenantId: '8dba4227-c384-425e-8b88-4bfa3fe03024',
          title: 'Data privacy notice',
          postedAt: '2026-12-01T10:00:00.000Z',
          lastModifiedAt: '2026-12-01T10:00:00.000Z',
        },
        'https://notify.example.com/',
      ),
    );
    expect(body).toEqual({
      type: 'notice.posted',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: {
        eventId: eventId('notice.posted', 'MC1000042'),
        tenantId: '8dba4227-c384-425e-8b88-4bfa3fe03024',
        noticeId: 'MC1000042',
        title: 'Data privacy notice',
        link: 'https://notify.example.com/inbox#MC1000042',
        apiLink: 'https://notify.example.com/v1/admin/serviceAnnouncement/messages/MC1000042',
        postedAt: '2026-12-01T10:00:00.000Z',
        lastModifiedAt: '2026-12-01T10:00:00.000Z',
      },
    });
  });
});
