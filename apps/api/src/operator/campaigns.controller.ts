import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { CampaignsService } from '../../../../libs/campaigns/campaigns.service.js';
import { PreviewService } from '../../../../libs/campaigns/preview.service.js';
import { CampaignLauncher } from '../../../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../../../../libs/campaigns/campaign-status.js';
import { guid, listPageInput } from '../../../../libs/common/input.js';
import { reminderOf } from '../../../../libs/campaigns/reminder-setting.js';
import {
  createCampaignInput,
  decisionsInput,
  deliveriesInput,
  setReminderInput,
} from '../../../../libs/campaigns/campaign-input.js';
import { ApiDoc, ApiErrors, ApiOperator, RequireRole, CAMPAIGN_BRIEF, REMINDER, STATUS } from '../ops/api-docs.js';

const brief = (c: { id: string; status: string }) => ({ campaignId: c.id, status: c.status });

/** Operator endpoints for campaigns (docs/contracts.md §4): the same operations as the CLI. */
@ApiOperator('operator: campaigns')
@Controller('campaigns')
@UseGuards(OperatorAuthGuard)
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly preview: PreviewService,
    private readonly launcher: CampaignLauncher,
    private readonly sending: CampaignStatusView,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @ApiDoc('Create a campaign for a data set', {
    status: 201,
    description: 'the new campaign, in draft',
    schema: CAMPAIGN_BRIEF,
  })
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Post()
  @HttpCode(201)
  async create(
    @Body({ schema: createCampaignInput }) body: z.infer<typeof createCampaignInput>,
    @Req() req: OperatorRequest,
  ) {
    return brief(await this.campaigns.create(body, req.operator!));
  }

  @ApiDoc('Campaigns, newest first, with their status and the counts of their last analysis, paged', {
    description:
      '`{skip, take, campaigns:[{campaignId, datasetId, incidentId, title, status, createdBy, createdAt, approvedBy, counts}]}`; `counts` is null until analyzed',
  })
  @ApiErrors(400)
  @RequireRole('viewer')
  @Get()
  list(@Query({ schema: listPageInput }) q: z.infer<typeof listPageInput>) {
    return this.campaigns.list(q.skip, q.take);
  }

  @ApiDoc('A campaign', { description: 'the campaign with its status, support contacts and summary' })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id')
  async get(@Param('id', { schema: guid }) id: string) {
    const { id: campaignId, ...c } = await this.campaigns.get(id);
    return { campaignId, ...c };
  }

  @ApiDoc('Attribute the records to tenants and decide, on the worker', {
    status: 202,
    description: 'analysis queued',
    schema: CAMPAIGN_BRIEF,
  })
  @ApiErrors(400, 404, 409)
  @RequireRole('admin')
  @Post(':id/analyze')
  @HttpCode(202)
  async analyze(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(await this.campaigns.requestAnalysis(id, req.operator!));
  }

  /** `campaigns preview`: scope, counts and every decision; with ?tenant=, that tenant's exact view. */
  @ApiDoc(
    "The scope, the counts and every tenant's decision with its reasons; with `tenant`, that tenant's exact view",
    { description: 'the preview' },
  )
  @ApiErrors(400, 404)
  @RequireRole('viewer', { query: 'tenant', role: 'admin' })
  @Get(':id/decisions')
  async decisions(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Query({ schema: decisionsInput }) q: z.infer<typeof decisionsInput>,
  ) {
    if (q.tenant) return this.preview.previewTenant(id, q.tenant, req.operator!);
    const p = await this.preview.preview(id);
    return q.decision ? { ...p, decisions: p.decisions.filter((d) => d.decision === q.decision) } : p;
  }

  @ApiDoc('The scope, the counts and every decision', { description: 'the preview' })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/preview')
  previewAll(@Param('id', { schema: guid }) id: string) {
    return this.preview.preview(id);
  }

  @ApiDoc('Exactly what one tenant will see: notice, email and exposure view', { description: "the tenant's preview" })
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Get(':id/preview/:tenantId')
  previewTenant(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Param('tenantId', { schema: guid }) tenantId: string,
  ) {
    return this.preview.previewTenant(id, tenantId, req.operator!);
  }

  @ApiDoc(
    'Approve an analyzed campaign: by an operator other than its creator (on the API and the CLI alike) unless ALLOW_SELF_APPROVAL',
    { description: 'approved', schema: CAMPAIGN_BRIEF },
  )
  @ApiErrors(400, 404, 409)
  @RequireRole('approver')
  @Post(':id/approve')
  @HttpCode(200)
  async approve(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(
      await this.campaigns.approve(id, req.operator!, { requireSecondOperator: !this.config.ALLOW_SELF_APPROVAL }),
    );
  }

  @ApiDoc('Withdraw an approval before the launch: the campaign is ready again and needs a new approval', {
    description: 'ready',
    schema: CAMPAIGN_BRIEF,
  })
  @ApiErrors(400, 404, 409)
  @RequireRole('approver')
  @Post(':id/withdraw-approval')
  @HttpCode(200)
  async withdrawApproval(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(await this.campaigns.withdrawApproval(id, req.operator!));
  }

  @ApiDoc('Launch an approved campaign: one notice per affected tenant, one email per privileged admin', {
    status: 202,
    description: 'sending',
    schema: CAMPAIGN_BRIEF,
  })
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Post(':id/launch')
  @HttpCode(202)
  async launch(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(await this.launcher.launch(id, req.operator!));
  }

  @ApiDoc('Pause sending', { description: 'paused', schema: CAMPAIGN_BRIEF })
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Post(':id/pause')
  @HttpCode(200)
  async pause(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(await this.launcher.pause(id, req.operator!));
  }

  @ApiDoc('Resume sending', { description: 'sending again', schema: CAMPAIGN_BRIEF })
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(await this.launcher.resume(id, req.operator!));
  }

  @ApiDoc(
    'Turn reminders on or off, before or after the launch: `remindBefore` (`3d`, `36h`, `2d12h`; at most 365d) before the act-by date, tenants whose notice nobody has read get one reminder email per privileged contact; `null` sends none. Refused for a cancelled campaign (409) and without a respond-by date (409)',
    { description: 'the reminder setting', schema: REMINDER },
  )
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Put(':id/reminder')
  @HttpCode(200)
  async setReminder(
    @Param('id', { schema: guid }) id: string,
    @Body({ schema: setReminderInput }) body: z.infer<typeof setReminderInput>,
    @Req() req: OperatorRequest,
  ) {
    return reminderOf(await this.campaigns.setReminder(id, body, req.operator!));
  }

  @ApiDoc('Progress of a campaign: notices posted, emails sent, failed and retrying', {
    description: 'the status',
    schema: STATUS,
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/status')
  status(@Param('id', { schema: guid }) id: string) {
    return this.sending.status(id);
  }

  /** The emails of a campaign, paged; `?state=failed` lists permanent failures with their reasons. */
  @ApiDoc('The emails of a campaign, paged; `state=failed` lists permanent failures with their reasons', {
    description: '`{campaignId, skip, take, value:[delivery]}`',
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/deliveries')
  deliveries(
    @Param('id', { schema: guid }) id: string,
    @Query({ schema: deliveriesInput }) q: z.infer<typeof deliveriesInput>,
  ) {
    return this.sending.deliveries(id, q.state, q.skip, q.take);
  }

  @ApiDoc('Cancel a campaign', { description: 'cancelled', schema: CAMPAIGN_BRIEF })
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', { schema: guid }) id: string, @Req() req: OperatorRequest) {
    return brief(await this.launcher.cancel(id, req.operator!));
  }
}
