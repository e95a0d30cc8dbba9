import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, UseInterceptors } from '@nestjs/common';
import { z } from 'zod';
import { TenantAuthenticated, type TenantRequest } from '../../../../libs/auth/tenant-auth.guard.js';
import { InboxService, MAX_MESSAGE_IDS, type ViewPointAction } from '../../../../libs/inbox/inbox.service.js';
import { nextPageQuery, parseListQuery } from '../../../../libs/inbox/list-query.js';
import { acceptedLanguages } from '../../../../libs/inbox/accept-language.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { RefusedReadAudit } from './refused-read.interceptor.js';
import { ApiBearerAuth, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiDoc, ApiErrors, EXPOSURE_VIEW, MESSAGE_LIST, SERVICE_UPDATE_MESSAGE, VALUE_TRUE } from '../ops/api-docs.js';

const PATH = 'admin/serviceAnnouncement/messages';
const idsBody = z.strictObject({ messageIds: z.array(z.string().max(64)).min(1).max(MAX_MESSAGE_IDS) });
type IdsBody = z.infer<typeof idsBody>;

/** The tenant inbox, shaped like Microsoft Graph's service announcement messages (docs/contracts.md §4). */
@ApiTags('tenant inbox')
@ApiBearerAuth('tenant')
@ApiErrors(401, 429)
@Controller(PATH)
@TenantAuthenticated()
@UseInterceptors(RefusedReadAudit)
export class InboxMessagesController {
  /** links point where tenants reach the API, never at whatever `Host` a request claims */
  private readonly base: string;

  constructor(
    private readonly inbox: InboxService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  }

  @ApiDoc("The calling tenant's messages, newest first", { description: 'a page of messages', schema: MESSAGE_LIST })
  @ApiQuery({ name: '$top', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: '$skip', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({
    name: '$filter',
    required: false,
    schema: { type: 'string' },
    description: "on `isRead`, `isArchived`, `category`, `tags/any(t:t eq '…')`, joined with `and`",
    example: 'viewPoint/isRead eq false',
  })
  @ApiErrors(400)
  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    const q = parseListQuery(query);
    const { messages, hasMore } = await this.inbox.list(
      req.tenantPrincipal!,
      q,
      acceptedLanguages(req.headers['accept-language']),
    );
    const next = nextPageQuery(q, hasMore);
    return { value: messages, ...(next ? { '@odata.nextLink': `${this.base}/v1/${PATH}?${next}` } : {}) };
  }

  @ApiDoc('One message', { description: 'the message', schema: SERVICE_UPDATE_MESSAGE })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiErrors(404)
  @Get(':id')
  get(@Param('id') id: string, @Req() req: TenantRequest) {
    return this.inbox.get(req.tenantPrincipal!, id, acceptedLanguages(req.headers['accept-language']));
  }

  /** This tenant's own exposed data for that notice: `{dataCategories, records, people, files}`, minimized. */
  @ApiDoc("This tenant's own exposed data for the notice", {
    description: 'the minimized exposure view',
    schema: EXPOSURE_VIEW,
  })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiErrors(404)
  @Get(':id/exposure')
  exposure(@Param('id') id: string, @Req() req: TenantRequest) {
    return this.inbox.exposure(req.tenantPrincipal!, id);
  }

  @ApiDoc('markRead the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400)
  @Post('markRead')
  @HttpCode(200)
  markRead(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'markRead', b);
  }

  @ApiDoc('markUnread the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400)
  @Post('markUnread')
  @HttpCode(200)
  markUnread(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'markUnread', b);
  }

  @ApiDoc('archive the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400)
  @Post('archive')
  @HttpCode(200)
  archive(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'archive', b);
  }

  @ApiDoc('unarchive the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400)
  @Post('unarchive')
  @HttpCode(200)
  unarchive(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'unarchive', b);
  }

  @ApiDoc('favorite the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400)
  @Post('favorite')
  @HttpCode(200)
  favorite(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'favorite', b);
  }

  @ApiDoc('unfavorite the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400)
  @Post('unfavorite')
  @HttpCode(200)
  unfavorite(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'unfavorite', b);
  }

  private async act(req: TenantRequest, action: ViewPointAction, b: IdsBody) {
    await this.inbox.apply(req.tenantPrincipal!, action, b.messageIds);
    return { value: true };
  }
}
