import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { NoticeRevisions } from '../../../../libs/campaigns/notice-revisions.service.js';
import { noticeId, withdrawalInput } from '../../../../libs/campaigns/revision-input.js';
import { ApiDoc, ApiErrors, ApiOperator, NOTICE_WITHDRAWAL, RequireRole } from '../ops/api-docs.js';

/** Operator endpoints for posted notices (docs/contracts.md §5): the same operations as `notices ...` in the CLI. */
@ApiOperator('operator: notices')
@Controller('notices')
@UseGuards(OperatorAuthGuard)
export class NoticesController {
  constructor(
    private readonly revisions: NoticeRevisions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @ApiDoc('Ask for the withdrawal of a notice sent in error; another operator approves it', {
    status: 201,
    description: 'the withdrawal, asked for',
    schema: NOTICE_WITHDRAWAL,
  })
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Post(':id/withdrawal')
  @HttpCode(201)
  request(
    @Req() req: OperatorRequest,
    @Param('id', { schema: noticeId }) id: string,
    @Body({ schema: withdrawalInput }) body: z.infer<typeof withdrawalInput>,
  ) {
    return this.revisions.requestWithdrawal(id, body, req.operator!);
  }

  @ApiDoc('A notice’s withdrawal, asked for or approved', { description: 'the withdrawal', schema: NOTICE_WITHDRAWAL })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/withdrawal')
  show(@Param('id', { schema: noticeId }) id: string) {
    return this.revisions.withdrawal(id);
  }

  @ApiDoc(
    'Approve a withdrawal: by an operator other than the one who asked (ALLOW_SELF_APPROVAL aside). The exposure view is deleted at once, the body replaced by a "sent in error" text (the earlier one kept as a revision), and the readers emailed',
    { description: 'the withdrawal, approved', schema: NOTICE_WITHDRAWAL },
  )
  @ApiErrors(400, 404, 409)
  @RequireRole('approver')
  @Post(':id/withdrawal/approve')
  @HttpCode(200)
  approve(@Req() req: OperatorRequest, @Param('id', { schema: noticeId }) id: string) {
    return this.revisions.approveWithdrawal(id, req.operator!, {
      requireSecondOperator: !this.config.ALLOW_SELF_APPROVAL,
    });
  }
}
