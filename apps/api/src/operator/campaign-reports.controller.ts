import { Controller, Get, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { guid, parseInput } from '../../../../libs/common/input.js';
import { CampaignReports } from '../../../../libs/reports/campaign-reports.service.js';
import { EXPORT_KINDS } from '../../../../libs/reports/export-columns.js';
import { exportInput, ratesInput } from '../../../../libs/reports/report-input.js';
import { contentDisposition, CSV_CONTENT_TYPE } from '../../../../libs/inbox/exposure-attachment.js';
import { ApiDoc, ApiErrors, ApiOperator, RequireRole } from '../ops/api-docs.js';

/** Operator reports of a campaign (docs/contracts.md §5): CSV exports and rates over time. */
@ApiOperator('operator: campaigns')
@Controller('campaigns')
@UseGuards(OperatorAuthGuard)
export class CampaignReportsController {
  constructor(private readonly reports: CampaignReports) {}

  /** Streamed a page at a time: the response starts before the campaign is read to its end. */
  @ApiDoc(
    "One of the campaign's exports as CSV: `decisions`, `deliveries`, `notices` or `audit` (columns in docs/contracts.md §5); audited as `campaign.export`",
    {
      description:
        "the CSV, streamed (UTF-8 with a byte-order mark, CRLF line ends; a cell starting with `=`, `+`, `-`, `@`, tab, CR or `'` starts with an added `'`)",
      content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } },
    },
  )
  @ApiParam({ name: 'what', schema: { type: 'string', enum: [...EXPORT_KINDS] } })
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Get(':id/exports/:what.csv')
  async export(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Param('what') what: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<undefined> {
    const input = parseInput(exportInput, { what });
    const out = await this.reports.export(id, input.what, req.operator!);
    res.status(200).setHeader('Content-Type', CSV_CONTENT_TYPE);
    res.setHeader('Content-Disposition', contentDisposition(out.fileName));
    await pipeline(Readable.from(out.chunks), res);
    return undefined;
  }

  @ApiDoc(
    'Per hour or day since the launch: notices posted, tenants with a first read, tenants with a first acknowledgement, as counts and cumulative rates of the affected tenants',
    {
      description:
        '`{campaignId, bucket, launchedAt, affectedTenants, buckets:[{start, noticesPosted, firstReads, firstAcknowledgements, cumulative:{…}, rates:{posted, read, acknowledged}}]}`',
    },
  )
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/rates')
  rates(@Param('id', { schema: guid }) id: string, @Query({ schema: ratesInput }) q: z.infer<typeof ratesInput>) {
    return this.reports.rates(id, q.bucket);
  }
}
