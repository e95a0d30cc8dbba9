import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { DynamicModule } from '@nestjs/common';
import { APP_CONFIG, ConfigError, loadConfig, type AppConfig } from '../config/config.js';
import { MailModule, createMailTransport } from './mail.module.js';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport.js';

const KEY = Buffer.alloc(32, 3).toString('base64');
const ACS = `endpoint=https://res.communication.azure.com/;accesskey=${KEY}`;

describe('mail configuration', () => {
  it('defaults to the outbox transport and sensible values', () => {
    const c = loadConfig({});
    expect(c.MAIL_TRANSPORT).toBe('outbox');
    expect(c.ACS_CONNECTION_STRING).toBeUndefined();
    expect(c.MAIL_SENDER).toBe('DoNotReply@notify.example.com');
    expect(c.OUTBOX_DIR).toBe('./outbox');
    expect(c.ACS_POLL_INTERVAL_MS).toBe(2000);
    expect(c.MAIL_RATE_PER_MINUTE).toBe(30);
  });

  it('MAIL_TRANSPORT=acs without a connection string stops start-up with one line naming it', () => {
    expect(() => loadConfig({ MAIL_TRANSPORT: 'acs' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAIL_TRANSPORT: 'acs' })).toThrow(
      /^configuration: ACS_CONNECTION_STRING is required when MAIL_TRANSPORT=acs$/,
    );
  });

  it('a malformed connection string is refused by name, without the key in the message', () => {
    let message = '';
    try {
      loadConfig({ MAIL_TRANSPORT: 'acs', ACS_CONNECTION_STRING: `accesskey=${KEY};endpoint=https://x.com/` });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^configuration: ACS_CONNECTION_STRING must look like endpoint=/);
    expect(message).not.toContain(KEY);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('refuses other bad values by name', () => {
    expect(() => loadConfig({ MAIL_TRANSPORT: 'smtp' })).toThrow(/^configuration: MAIL_TRANSPORT /);
    expect(() => loadConfig({ MAIL_SENDER: 'nobody' })).toThrow(/^configuration: MAIL_SENDER /);
    expect(() => loadConfig({ ACS_POLL_INTERVAL_MS: '0' })).toThrow(/^configuration: ACS_POLL_INTERVAL_MS /);
    expect(() => loadConfig({ MAIL_RATE_PER_MINUTE: 'lots' })).toThrow(/^configuration: MAIL_RATE_PER_MINUTE /);
  });

  it('parses the ACS settings', () => {
    const c = loadConfig({
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: ACS,
      ACS_POLL_INTERVAL_MS: '50',
      MAIL_RATE_PER_MINUTE: '600',
    });
    expect(c).toMatchObject({
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: ACS,
      ACS_POLL_INTERVAL_MS: 50,
      MAIL_RATE_PER_MINUTE: 600,
    });
  });
});

describe('createMailTransport / MailModule', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mail-module-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('chooses by MAIL_TRANSPORT, never by NODE_ENV', () => {
    expect(createMailTransport(loadConfig({ NODE_ENV: 'production', OUTBOX_DIR: dir })).kind).toBe('outbox');
    expect(
      createMailTransport(loadConfig({ NODE_ENV: 'test', MAIL_TRANSPORT: 'acs', ACS_CONNECTION_STRING: ACS })).kind,
    ).toBe('acs');
    expect(
      createMailTransport(loadConfig({ NODE_ENV: 'development', MAIL_TRANSPORT: 'acs', ACS_CONNECTION_STRING: ACS }))
        .kind,
    ).toBe('acs');
  });

  it('provides MAIL_TRANSPORT from the injected configuration', async () => {
    const config = loadConfig({ OUTBOX_DIR: dir });
    const mod = await Test.createTestingModule({ imports: [globalConfig(config), MailModule] }).compile();
    const t = mod.get<MailTransport>(MAIL_TRANSPORT);
    expect(t.kind).toBe('outbox');
    await mod.close();
  });
});

function globalConfig(config: AppConfig): DynamicModule {
  class TestConfigModule {}
  return {
    module: TestConfigModule,
    global: true,
    providers: [{ provide: APP_CONFIG, useValue: config }],
    exports: [APP_CONFIG],
  };
}
