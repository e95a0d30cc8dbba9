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
  UnsupportedMediaTypeException,
  UseGuards,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { limitedBody } from '../../../../libs/common/limited-body.js';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { ReviewService } from '../../../../libs/campaigns/review.service.js';
import { guid } from '../../../../libs/common/input.js';
import {
  assignReviewInput,
  listReviewFilteredInput,
  resolveMatchingInput,
  resolveReviewGroupInput,
  resolveReviewInput,
  reviewGroup,
} from '../../../../libs/campaigns/review-input.js';
import { ApiDoc, ApiErrors, ApiOperator, ApiUpload, RequireRole } from '../ops/api-docs.js';

const importReviewInput = z.object({ campaignId: guid });

/** Operator review of uncertain attributions (docs/contracts.md §3 `review list` / `review resolve`). */
@ApiOperator('operator: review')
@Controller('reviews')
@UseGuards(OperatorAuthGuard)
export class ReviewsController {
  constructor(
    private readonly reviews: ReviewService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @ApiDoc(
    "A campaign's uncertain items with their candidate tenants (open ones; `all=true` for resolved too), filtered by `trigger`, `candidate`, `group` or `assignee` (`none`: unassigned)",
    { description: '`{campaignId, items:[…]}`' },
  )
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get()
  async list(@Query({ schema: listReviewFilteredInput }) q: z.infer<typeof listReviewFilteredInput>) {
    const { campaignId, all, ...filter } = q;
    return { campaignId, items: await this.reviews.list(campaignId, { all: all === 'true', filter }) };
  }

  /** Operators only: the records' content and the evidence, never shown to a tenant. */
  @ApiDoc(
    "One item with each record's content, its elements and who they point at, the evidence for and against each candidate, and why it was raised",
    { description: 'the item with `evidence:{why, candidates, records}`' },
  )
  @ApiErrors(400, 404)
  @RequireRole('reviewer')
  @Get(':reviewItemId')
  show(@Param('reviewItemId', { schema: guid }) id: string) {
    return this.reviews.show(id.toLowerCase());
  }

  @ApiDoc(
    'Resolve every open item a filter takes (trigger, candidate, group, assignee) to one answer with a required justification; items the tenant is no candidate of are skipped, each with the reason',
    { description: '`{resolved:[…], skipped:[{reviewItemId, reason}]}`' },
  )
  @ApiErrors(400, 404, 409)
  @RequireRole('reviewer')
  @Post('resolve')
  @HttpCode(200)
  resolveMatching(
    @Body({ schema: resolveMatchingInput }) body: z.infer<typeof resolveMatchingInput>,
    @Req() req: OperatorRequest,
  ) {
    return this.reviews.resolveMatching(
      body.campaignId.toLowerCase(),
      body.filter,
      body.tenantId?.toLowerCase() ?? null,
      body.justification,
      req.operator!,
    );
  }

  @ApiDoc(
    'Resolutions from a CSV file (`reviewItemId,tenantId,justification`; tenantId empty or `none` for none): every usable line applied, each other line refused with its number and reason',
    { description: '`{resolved, refused:[{line, reason}]}`' },
  )
  @ApiUpload(['text/csv'], 'the resolutions, streamed')
  @ApiErrors(400, 404, 409, 413, 415)
  @RequireRole('reviewer')
  @Post('import')
  @HttpCode(200)
  import(@Query({ schema: importReviewInput }) q: z.infer<typeof importReviewInput>, @Req() req: OperatorRequest) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'text/csv') throw new UnsupportedMediaTypeException('send the resolutions as text/csv');
    return this.reviews.importResolutions(
      q.campaignId.toLowerCase(),
      limitedBody(req, this.config.INGEST_MAX_UPLOAD_BYTES),
      req.operator!,
    );
  }

  @ApiDoc('Assign open items, by id or by filter, to an operator (`assignee: null` unassigns them)', {
    description: '`{assigned, items:[…]}`',
  })
  @ApiErrors(400, 404)
  @RequireRole('reviewer')
  @Post('assign')
  @HttpCode(200)
  assign(@Body({ schema: assignReviewInput }) body: z.infer<typeof assignReviewInput>, @Req() req: OperatorRequest) {
    return this.reviews.assign(
      body.campaignId.toLowerCase(),
      {
        ...(body.reviewItemIds ? { reviewItemIds: body.reviewItemIds } : {}),
        ...(body.filter ? { filter: body.filter } : {}),
      },
      body.assignee,
      req.operator!,
    );
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
    return this.reviews.resolve(id, body.tenantId?.toLowerCase() ?? null, req.operator!, body.justification ?? null);
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
      body.justification ?? null,
    );
  }
}
