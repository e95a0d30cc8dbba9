import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { TenantAuthenticated, type TenantRequest } from '../../../../libs/auth/tenant-auth.guard.js';
import { InboxService, MAX_MESSAGE_IDS, type ViewPointAction } from '../../../../libs/inbox/inbox.service.js';
import { nextPageQuery, parseListQuery } from '../../../../libs/inbox/list-query.js';

const PATH = 'admin/serviceAnnouncement/messages';
const idsBody = z.strictObject({ messageIds: z.array(z.string().max(64)).min(1).max(MAX_MESSAGE_IDS) });
type IdsBody = z.infer<typeof idsBody>;

/** `host[:port]` as a client may send it; anything else gets a relative next link. */
const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/** The tenant inbox, shaped like Microsoft Graph's service announcement messages (CONTRACTS.md §4). */
@Controller(PATH)
@TenantAuthenticated()
export class InboxMessagesController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    const q = parseListQuery(query);
    const { messages, hasMore } = await this.inbox.list(req.tenantPrincipal!, q);
    const next = nextPageQuery(q, hasMore);
    const host = req.get('host') ?? '';
    const base = HOST.test(host) ? `${req.protocol}://${host}` : '';
    return { value: messages, ...(next ? { '@odata.nextLink': `${base}/v1/${PATH}?${next}` } : {}) };
  }

  @Get(':id')
  get(@Param('id') id: string, @Req() req: TenantRequest) {
    return this.inbox.get(req.tenantPrincipal!, id);
  }

  /** This tenant's own exposed data for that notice: `{dataCategories, records, people, files}`, minimized. */
  @Get(':id/exposure')
  exposure(@Param('id') id: string, @Req() req: TenantRequest) {
    return this.inbox.exposure(req.tenantPrincipal!, id);
  }

  @Post('markRead')
  @HttpCode(200)
  markRead(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'markRead', b);
  }

  @Post('markUnread')
  @HttpCode(200)
  markUnread(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'markUnread', b);
  }

  @Post('archive')
  @HttpCode(200)
  archive(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'archive', b);
  }

  @Post('unarchive')
  @HttpCode(200)
  unarchive(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'unarchive', b);
  }

  @Post('favorite')
  @HttpCode(200)
  favorite(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'favorite', b);
  }

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
