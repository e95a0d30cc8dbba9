import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AddressRateLimitGuard,
  TenantAuthenticated,
  type TenantRequest,
} from '../../../../libs/auth/tenant-auth.guard.js';
import { NotFoundError } from '../../../../libs/common/errors.js';
import { LINK_NOT_VALID, RecipientsService } from '../../../../libs/recipients/recipients.service.js';
import { ApiDoc, ApiErrors, NOTIFICATION_RECIPIENT, NOTIFICATION_RECIPIENT_LIST } from '../ops/api-docs.js';

const addBody = z.strictObject({
  address: z.string().max(1000).describe('one bare address, e.g. soc@contoso.com'),
  locale: z
    .string()
    .max(35)
    .optional()
    .describe("one of the shipped template locales (en-US, de-DE, …); default: the adder's"),
});
type AddBody = z.infer<typeof addBody>;

const confirmBody = z.strictObject({ token: z.string().max(200) });
type ConfirmBody = z.infer<typeof confirmBody>;

/**
 * The tenant's own notification recipients, beside the inbox API: a GlobalAdmin or PrivacyReader
 * adds up to five addresses that receive the notice emails once their owners confirm them.
 */
@ApiTags('tenant notification recipients')
@ApiBearerAuth('tenant')
@ApiErrors(401, 403, 429)
@Controller('admin/serviceAnnouncement/notificationRecipients')
@TenantAuthenticated()
export class NotificationRecipientsController {
  constructor(private readonly recipients: RecipientsService) {}

  @ApiDoc("The tenant's notification recipients, with their state", {
    description: 'the recipients',
    schema: NOTIFICATION_RECIPIENT_LIST,
  })
  @Get()
  list(@Req() req: TenantRequest) {
    return this.recipients.list(req.tenantPrincipal!);
  }

  @ApiDoc('Adds a recipient (at most five); its owner gets a confirmation email', {
    status: 201,
    description: 'the recipient, pending until confirmed (or as it was, when already there)',
    schema: NOTIFICATION_RECIPIENT,
  })
  @ApiErrors(400, 409)
  @Post()
  @HttpCode(201)
  add(@Body({ schema: addBody }) b: AddBody, @Req() req: TenantRequest) {
    return this.recipients.add(req.tenantPrincipal!, b);
  }

  @ApiDoc('Removes a recipient: emails not yet sent to it are not sent', { status: 204, description: 'removed' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiErrors(404)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() req: TenantRequest): Promise<void> {
    await this.recipients.remove(req.tenantPrincipal!, id);
  }
}

/** The confirmation link's answer, without authentication: the recipient may not be an admin. */
@ApiTags('tenant notification recipients')
@ApiErrors(429)
@Controller('notificationRecipients')
@UseGuards(AddressRateLimitGuard)
export class RecipientConfirmationController {
  constructor(private readonly recipients: RecipientsService) {}

  @ApiDoc('Confirms a notification recipient with the token of its emailed link', {
    description: 'confirmed',
    schema: {
      type: 'object',
      properties: { value: { type: 'string', enum: ['confirmed'] } },
      required: ['value'],
    },
  })
  @ApiErrors(400, 404)
  @Post('confirm')
  @HttpCode(200)
  async confirm(@Body({ schema: confirmBody }) b: ConfirmBody) {
    // unknown, used and expired tokens get the same answer
    if (!(await this.recipients.confirm(b.token))) throw new NotFoundError(LINK_NOT_VALID);
    return { value: 'confirmed' };
  }
}
