import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import { z } from 'zod';
import { TenantAuthenticated, type TenantRequest } from '../../../../libs/auth/tenant-auth.guard.js';
import { InboxService, MAX_MESSAGE_IDS, type ViewPointAction } from '../../../../libs/inbox/inbox.service.js';
import {
  contextFragment,
  nextPageQuery,
  parseItemQuery,
  parseListQuery,
  refuseQueryOptions,
  selectProperties,
} from '../../../../libs/inbox/list-query.js';
import {
  contentDisposition,
  CSV_CONTENT_TYPE,
  ZIP_CONTENT_TYPE,
  zipFileName,
} from '../../../../libs/inbox/exposure-attachment.js';
import { acceptedLanguages } from '../../../../libs/inbox/accept-language.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { RefusedReadAudit } from './refused-read.interceptor.js';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  ApiDoc,
  ApiErrors,
  ACKNOWLEDGEMENT,
  ATTACHMENT,
  ATTACHMENT_LIST,
  EXPOSURE_VIEW,
  MESSAGE_LIST,
  MESSAGE_REVISIONS,
  SERVICE_UPDATE_MESSAGE,
  VALUE_TRUE,
} from '../ops/api-docs.js';
import { ApiListQueries, ApiSelectQuery } from './odata-docs.js';

const PATH = 'admin/serviceAnnouncement/messages';
const idsBody = z.strictObject({ messageIds: z.array(z.string().max(64)).min(1).max(MAX_MESSAGE_IDS) });
type IdsBody = z.infer<typeof idsBody>;
/** the attachments' context path; `id` is a message the reader may see (the service checked it), so only `MC` and digits */
const attachmentsContext = (id: string) => `admin/serviceAnnouncement/messages('${id}')/attachments`;

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

  @ApiDoc("The calling tenant's messages (newest first unless `$orderby` says otherwise)", {
    description: 'a page of messages',
    schema: MESSAGE_LIST,
  })
  @ApiListQueries()
  @ApiErrors(400)
  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    const q = parseListQuery(query);
    const { messages, hasMore, count } = await this.inbox.list(
      req.tenantPrincipal!,
      q,
      acceptedLanguages(req.headers['accept-language']),
    );
    const next = nextPageQuery(q, hasMore);
    return {
      '@odata.context': this.context(contextFragment(q.select, false)),
      ...(count !== undefined ? { '@odata.count': count } : {}),
      value: messages.map((m) => selectProperties(m, q.select)),
      ...(next ? { '@odata.nextLink': `${this.base}/v1/${PATH}?${next}` } : {}),
    };
  }

  @ApiDoc('One message', { description: 'the message', schema: SERVICE_UPDATE_MESSAGE })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiSelectQuery()
  @ApiErrors(400, 404)
  @Get(':id')
  async get(@Param('id') id: string, @Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    const q = parseItemQuery(query);
    const m = await this.inbox.get(req.tenantPrincipal!, id, acceptedLanguages(req.headers['accept-language']));
    return { '@odata.context': this.context(contextFragment(q.select, true)), ...selectProperties(m, q.select) };
  }

  @ApiDoc(
    "The message's earlier revisions, newest first, in the reader's language (an update or a withdrawal keeps what it replaced)",
    {
      description: 'the earlier revisions',
      schema: MESSAGE_REVISIONS,
    },
  )
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiErrors(400, 404)
  @Get(':id/revisions')
  async revisions(@Param('id') id: string, @Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    refuseQueryOptions(query);
    const value = await this.inbox.revisions(
      req.tenantPrincipal!,
      id,
      acceptedLanguages(req.headers['accept-language']),
    );
    return { '@odata.context': this.context(`admin/serviceAnnouncement/messages('${id}')/revisions`), value };
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

  @ApiDoc("The message's attachments: the exposure view as a CSV file", {
    description: 'the attachments, without their content',
    schema: ATTACHMENT_LIST,
  })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiErrors(400, 404)
  @Get(':id/attachments')
  async attachments(@Param('id') id: string, @Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    refuseQueryOptions(query);
    const value = await this.inbox.attachments(req.tenantPrincipal!, id);
    return { '@odata.context': this.context(attachmentsContext(id)), value };
  }

  @ApiDoc('One attachment of the message', { description: 'the attachment, without its content', schema: ATTACHMENT })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiParam({ name: 'aid', schema: { type: 'string', format: 'uuid' } })
  @ApiErrors(400, 404)
  @Get(':id/attachments/:aid')
  async attachment(
    @Param('id') id: string,
    @Param('aid') aid: string,
    @Query() query: Record<string, unknown>,
    @Req() req: TenantRequest,
  ) {
    refuseQueryOptions(query);
    const a = await this.inbox.attachment(req.tenantPrincipal!, id, aid);
    return { '@odata.context': this.context(`${attachmentsContext(id)}/$entity`), ...a };
  }

  @ApiDoc("An attachment's content: the exposure view as CSV", {
    description:
      'the CSV (UTF-8 with a byte-order mark; a cell that a spreadsheet would run as a formula starts with a quote)',
    content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiParam({ name: 'aid', schema: { type: 'string', format: 'uuid' } })
  @ApiErrors(400, 404)
  @Get(':id/attachments/:aid/content')
  async attachmentContent(
    @Param('id') id: string,
    @Param('aid') aid: string,
    @Query() query: Record<string, unknown>,
    @Req() req: TenantRequest,
  ) {
    refuseQueryOptions(query);
    const { fileName, content } = await this.inbox.attachmentContent(req.tenantPrincipal!, id, aid);
    return new StreamableFile(content, {
      type: CSV_CONTENT_TYPE,
      disposition: contentDisposition(fileName),
      length: content.length,
    });
  }

  @ApiDoc("Every attachment of the message in one zip (Graph's attachmentsArchive)", {
    description: 'a zip holding the exposure view as CSV',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiErrors(400, 404)
  @Get(':id/attachmentsArchive')
  async attachmentsArchive(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() req: TenantRequest,
  ) {
    refuseQueryOptions(query);
    const zip = await this.inbox.attachmentsArchive(req.tenantPrincipal!, id);
    return new StreamableFile(zip, {
      type: ZIP_CONTENT_TYPE,
      disposition: contentDisposition(zipFileName(id)),
      length: zip.length,
    });
  }

  @ApiDoc('markRead the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400, 403)
  @Post('markRead')
  @HttpCode(200)
  markRead(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'markRead', b);
  }

  @ApiDoc('markUnread the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400, 403)
  @Post('markUnread')
  @HttpCode(200)
  markUnread(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'markUnread', b);
  }

  @ApiDoc('archive the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400, 403)
  @Post('archive')
  @HttpCode(200)
  archive(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'archive', b);
  }

  @ApiDoc('unarchive the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400, 403)
  @Post('unarchive')
  @HttpCode(200)
  unarchive(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'unarchive', b);
  }

  @ApiDoc('favorite the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400, 403)
  @Post('favorite')
  @HttpCode(200)
  favorite(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'favorite', b);
  }

  @ApiDoc('unfavorite the given messages for the calling user', { description: 'done', schema: VALUE_TRUE })
  @ApiErrors(400, 403)
  @Post('unfavorite')
  @HttpCode(200)
  unfavorite(@Body({ schema: idsBody }) b: IdsBody, @Req() req: TenantRequest) {
    return this.act(req, 'unfavorite', b);
  }

  @ApiDoc(
    'Acknowledge the message for the calling user: stored once with when and who (the first acknowledgement stands; a repeat answers it again)',
    { description: 'acknowledged', schema: ACKNOWLEDGEMENT },
  )
  @ApiParam({ name: 'id', schema: { type: 'string', example: 'MC1000042' } })
  @ApiErrors(400, 403, 404)
  @Post(':id/acknowledge')
  @HttpCode(200)
  acknowledge(@Param('id') id: string, @Query() query: Record<string, unknown>, @Req() req: TenantRequest) {
    refuseQueryOptions(query);
    return this.inbox.acknowledge(req.tenantPrincipal!, id);
  }

  /** Graph's `@odata.context`: where the metadata would be, then the resource path */
  private context(fragment: string): string {
    return `${this.base}/v1/$metadata#${fragment}`;
  }

  private async act(req: TenantRequest, action: ViewPointAction, b: IdsBody) {
    await this.inbox.apply(req.tenantPrincipal!, action, b.messageIds);
    return { value: true };
  }
}
