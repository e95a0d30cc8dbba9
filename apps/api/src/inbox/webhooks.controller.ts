import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import { TenantAuthenticated, type TenantRequest } from '../../../../libs/auth/tenant-auth.guard.js';
import { WebhookRegistrationService } from '../../../../libs/webhooks/webhook-registration.service.js';
import { WEBHOOK_EVENTS } from '../../../../libs/webhooks/events.js';
import { MAX_URL_LENGTH } from '../../../../libs/webhooks/outbound.js';
import {
  ApiDoc,
  ApiErrors,
  WEBHOOK_DELIVERY_LIST,
  WEBHOOK_ENDPOINT,
  WEBHOOK_ENDPOINT_CREATED,
  WEBHOOK_ENDPOINT_LIST,
} from '../ops/api-docs.js';

const createBody = z.strictObject({
  url: z.string().min(1).max(MAX_URL_LENGTH),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
  description: z.string().max(200).optional(),
});
const deliveriesQuery = z.object({
  $skip: z.coerce.number().int().min(0).default(0),
  $top: z.coerce.number().int().min(1).max(1000).default(100),
});
const ID = { name: 'id', schema: { type: 'string', format: 'uuid' } } as const;

/**
 * A tenant's own webhook endpoints (signed Standard Webhooks to its ITSM, SIEM or chat), beside the
 * inbox and under the same authentication; only GlobalAdmin and PrivacyReader may manage them.
 */
@ApiTags('tenant webhooks')
@ApiBearerAuth('tenant')
@ApiErrors(401, 403, 429)
@Controller('admin/webhooks')
@TenantAuthenticated()
export class WebhooksController {
  constructor(private readonly webhooks: WebhookRegistrationService) {}

  @ApiDoc('Register a webhook endpoint', {
    status: 201,
    description: 'the endpoint, with its signing secret (shown this once)',
    schema: WEBHOOK_ENDPOINT_CREATED,
  })
  @ApiErrors(400, 409)
  @Post()
  create(@Body({ schema: createBody }) body: z.infer<typeof createBody>, @Req() req: TenantRequest) {
    return this.webhooks.create(req.tenantPrincipal!, body);
  }

  @ApiDoc("The calling tenant's webhook endpoints", { description: 'the endpoints', schema: WEBHOOK_ENDPOINT_LIST })
  @Get()
  async list(@Req() req: TenantRequest) {
    return { value: await this.webhooks.list(req.tenantPrincipal!) };
  }

  @ApiDoc('One webhook endpoint', { description: 'the endpoint', schema: WEBHOOK_ENDPOINT })
  @ApiParam(ID)
  @ApiErrors(404)
  @Get(':id')
  get(@Param('id') id: string, @Req() req: TenantRequest) {
    return this.webhooks.get(req.tenantPrincipal!, id);
  }

  @ApiDoc('Delete a webhook endpoint and its deliveries', { status: 204, description: 'deleted' })
  @ApiParam(ID)
  @ApiErrors(404)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() req: TenantRequest): Promise<void> {
    await this.webhooks.remove(req.tenantPrincipal!, id);
  }

  @ApiDoc('Enable an endpoint again (after it was disabled for failing)', {
    description: 'the endpoint',
    schema: WEBHOOK_ENDPOINT,
  })
  @ApiParam(ID)
  @ApiErrors(404)
  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id') id: string, @Req() req: TenantRequest) {
    return this.webhooks.enable(req.tenantPrincipal!, id);
  }

  @ApiDoc("An endpoint's deliveries, newest first, with state and last error", {
    description: 'a page of deliveries',
    schema: WEBHOOK_DELIVERY_LIST,
  })
  @ApiParam(ID)
  @ApiErrors(400, 404)
  @Get(':id/deliveries')
  async deliveries(
    @Param('id') id: string,
    @Query({ schema: deliveriesQuery }) q: z.infer<typeof deliveriesQuery>,
    @Req() req: TenantRequest,
  ) {
    return { value: await this.webhooks.deliveries(req.tenantPrincipal!, id, q.$skip, q.$top) };
  }
}
