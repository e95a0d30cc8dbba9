import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { NoticeRenderer } from './notice-renderer.js';
import { NoticesModule } from './notices.module.js';
import { defaultTemplatesDir, NOTICE_TEMPLATES_DIR, TemplateEngine } from './template-engine.js';

const ctx = {
  messageId: 'MC77',
  tenantName: 'Contoso',
  locale: 'en-US',
  dataCategories: ['Names'],
  recordCount: 3,
  support: { email: 'privacy@example.com' },
  campaignRef: 'cmp',
};

describe('NoticesModule', () => {
  it('provides a renderer with the shipped templates', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [NoticesModule] }).compile();
    const renderer = moduleRef.get(NoticeRenderer);
    expect(moduleRef.get(TemplateEngine).templatesDir).toBe(defaultTemplatesDir());
    expect(renderer.renderEmail(ctx).subject).toBe('Data privacy notice MC77 is waiting in your Message Center');
  });

  it('reads another templates folder when NOTICE_TEMPLATES_DIR is provided', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notice-templates-'));
    try {
      cpSync(defaultTemplatesDir(), dir, { recursive: true });
      writeFileSync(join(dir, 'en-US', 'email.data-exposure.txt.hbs'), 'Branded {{messageId}}');
      const moduleRef = await Test.createTestingModule({
        providers: [{ provide: NOTICE_TEMPLATES_DIR, useValue: dir }, TemplateEngine, NoticeRenderer],
      }).compile();
      expect(moduleRef.get(NoticeRenderer).renderEmail(ctx).text).toBe('Branded MC77\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
