import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { ReviewService } from '../../../../libs/campaigns/review.service.js';
import { guid } from '../../../../libs/common/input.js';
import {
  listReviewInput,
  resolveReviewGroupInput,
  resolveReviewInput,
  reviewGroup,
} from '../../../../libs/campaigns/review-input.js';
import { ApiDoc, ApiErrors, ApiOperator, RequireRole } from '../ops/api-docs.js';

/** Operator review of uncertain attributions (docs/contracts.md §3 `review list` / `review resolve`). */
@ApiOperator('operator: review')
@Controller('reviews')
@UseGuards(OperatorAuthGuard)
export class ReviewsController {
  constructor(private readonly reviews: ReviewService) {}

  @ApiDoc("A campaign's uncertain items with their candidate tenants (open ones; `all=true` for resolved too)", {
    description: '`{campaignId, items:[…]}`',
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get()
  async list(@Query({ schema: listReviewInput }) q: z.infer<typeof listReviewInput>) {
    return { campaignId: q.campaignId, items: await this.reviews.list(q.campaignId, { all: q.all === 'true' }) };
  }

  /** Body `{tenantId}` to attribute the item to that tenant, `{tenantId: null}` for none. */
  @ApiDoc('Resolve an item: attribute it to a tenant, or to none; the decisions are recomputed', {
    description: 'the resolved item and the new counts',
  })
  @ApiErrors(400, 404, 409)
  @RequireRole('reviewer')
  @Post(':reviewItemId/resolve')
  @HttpCode(200)
  resolve(
    @Param('reviewItemId', { schema: guid }) id: string,
    @Body({ schema: resolveReviewInput }) body: z.infer<typeof resolveReviewInput>,
    @Req() req: OperatorRequest,
  ) {
    return this.reviews.resolve(id, body.tenantId?.toLowerCase() ?? null, req.operator!, body.justification);
  }

  /** Body `{campaignId, tenantId}`: every open item of the group resolved alike (a name several tenants share, settled once). */
  @ApiDoc(
    'Resolve every open item of a review group (same candidates and triggers) at once; the decisions are recomputed',
    { description: '`{group, items:[…]}`' },
  )
  @ApiErrors(400, 404, 409)
  @RequireRole('reviewer')
  @Post('groups/:group/resolve')
  @HttpCode(200)
  resolveGroup(
    @Param('group', { schema: reviewGroup }) g: string,
    @Body({ schema: resolveReviewGroupInput }) body: z.infer<typeof resolveReviewGroupInput>,
    @Req() req: OperatorRequest,
  ) {
    return this.reviews.resolveGroup(
      body.campaignId.toLowerCase(),
      g,
      body.tenantId?.toLowerCase() ?? null,
      req.operator!,
      body.justification,
    );
  }
}
