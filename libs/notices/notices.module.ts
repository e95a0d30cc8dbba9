import { Module } from '@nestjs/common';
import { NoticeRenderer } from './notice-renderer.js';
import { TemplateEngine } from './template-engine.js';
import { NoticeComposer } from './notice-composer.js';

/**
 * Rendering only (no database): import it where notices or emails are built. Provide
 * NOTICE_TEMPLATES_DIR to read templates from another folder than the shipped one.
 */
@Module({
  providers: [TemplateEngine, NoticeRenderer, NoticeComposer],
  exports: [TemplateEngine, NoticeRenderer, NoticeComposer],
})
export class NoticesModule {}
