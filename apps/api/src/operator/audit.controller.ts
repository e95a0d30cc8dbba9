import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorAuthGuard } from '../../../../libs/auth/operator-auth.guard.js';
import { AUDIT_ACTION_FILTER, AuditService } from '../../../../libs/audit/audit.service.js';
import { ApiDoc, ApiErrors, ApiOperator, RequireRole } from '../ops/api-docs.js';
import { guid } from '../../../../libs/common/input.js';

const listQuery = z.strictObject({
  tenantId: guid.optional(),
  campaignId: guid.optional(),
  /** exact (`tenants.import`) or a family (`dataset.*`) */
  action: z
    .string()
    .max(100)
    .regex(AUDIT_ACTION_FILTER, 'must be an action such as tenants.import or dataset.*')
    .optional(),
  /** the event's subject: a data set id for data set actions, a file name for imports */
  subject: z.string().max(200).optional(),
  skip: z.coerce.number().int().min(0).max(10_000_000).default(0),
  take: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The append-only audit log: every operator action and every tenant read, per tenant and per campaign. */
@ApiOperator('operator: audit')
@Controller('audit')
@UseGuards(OperatorAuthGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @ApiDoc('The append-only audit log, by tenant, campaign, action or subject, paged', {
    description: '`{skip, take, events:[…]}`',
  })
  @ApiErrors(400)
  @RequireRole('viewer')
  @Get()
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>) {
    const filter = {
      ...(q.tenantId ? { tenantId: q.tenantId.toLowerCase() } : {}),
      ...(q.campaignId ? { campaignId: q.campaignId.toLowerCase() } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.subject ? { subject: q.subject } : {}),
    };
    return {
      ...filter,
      skip: q.skip,
      take: q.take,
      events: await this.audit.list({ ...filter, skip: q.skip, take: q.take }),
    };
  }
}
