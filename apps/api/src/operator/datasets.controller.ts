import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Response } from 'express';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { BadInputError } from '../../../../libs/common/errors.js';
import { limitedBody } from '../../../../libs/common/limited-body.js';
import { IngestService } from '../../../../libs/exposure/ingest.service.js';
import { DatasetsService } from '../../../../libs/exposure/datasets.service.js';
import { formatOf } from '../../../../libs/exposure/readers.js';
import { ingestInput } from '../../../../libs/exposure/ingest-input.js';
import { guid, listPageInput } from '../../../../libs/common/input.js';
import { ApiDoc, ApiErrors, ApiOperator, RequireRole, INGEST_RESULT, ApiUpload } from '../ops/api-docs.js';

const page = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  take: z.coerce.number().int().min(1).max(10_000).default(100),
  /** `raw`: the lines as they were read, to fix and add back, streamed as a file */
  format: z.enum(['json', 'raw']).default('json'),
  upload: z.coerce.number().int().min(0).optional(),
});

@ApiOperator('operator: data sets')
@Controller('datasets')
@UseGuards(OperatorAuthGuard)
export class DatasetsController {
  constructor(
    private readonly ingest: IngestService,
    private readonly datasets: DatasetsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Streams the request body (JSONL, gzip or CSV) into a new data set. The body is never
   * buffered: memory holds one batch. Over the size limit: 413, before reading when the length
   * is declared.
   */
  @ApiDoc('Ingest an exposed data set streamed as the body (JSONL, gzip or CSV): validate, quarantine, deduplicate', {
    status: 201,
    description: 'the data set with its scope report; the same file again adds nothing',
    schema: INGEST_RESULT,
  })
  @ApiUpload(
    ['application/x-ndjson', 'application/gzip', 'text/csv', 'application/octet-stream'],
    'the data set, streamed; `format` overrides what the name and content type suggest',
  )
  @ApiErrors(400, 413)
  @RequireRole('admin')
  @Post()
  @HttpCode(201)
  async upload(@Req() req: OperatorRequest, @Query({ schema: ingestInput }) q: z.infer<typeof ingestInput>) {
    const format = q.format ?? formatOf(q.name, req.headers['content-type']);
    return this.ingest.ingest({
      stream: limitedBody(req, this.config.INGEST_MAX_UPLOAD_BYTES),
      name: q.name,
      format,
      actor: req.operator!,
    });
  }

  /**
   * Streams the request body into an existing data set as its next upload (corrected
   * quarantined lines, say). Campaigns analyzed on it go back to draft; a launched one refuses.
   */
  @ApiDoc('Add lines to a data set (corrected quarantined lines, say), streamed as the body in any ingest format', {
    status: 201,
    description:
      'the data set with its updated scope report and `added`: what this upload did; campaigns analyzed on the data set go back to draft',
    schema: INGEST_RESULT,
  })
  @ApiUpload(
    ['application/x-ndjson', 'application/json', 'application/gzip', 'text/csv', 'application/octet-stream'],
    'the lines to add, streamed; numbered from 1 in their own upload',
  )
  @ApiErrors(400, 404, 409, 413)
  @RequireRole('admin')
  @Post(':datasetId/records')
  @HttpCode(201)
  async addRecords(
    @Req() req: OperatorRequest,
    @Param('datasetId', { schema: guid }) id: string,
    @Query({ schema: ingestInput }) q: z.infer<typeof ingestInput>,
  ) {
    const format = q.format ?? formatOf(q.name, req.headers['content-type']);
    return this.ingest.addTo(id, {
      stream: limitedBody(req, this.config.INGEST_MAX_UPLOAD_BYTES),
      name: q.name,
      format,
      actor: req.operator!,
    });
  }

  @ApiDoc('Data sets, newest first, with their status and line counts, paged', {
    description:
      '`{skip, take, datasets:[{datasetId, name, status, lines, accepted, quarantined, duplicates, createdAt, completedAt}]}`',
  })
  @ApiErrors(400)
  @RequireRole('viewer')
  @Get()
  list(@Query({ schema: listPageInput }) q: z.infer<typeof listPageInput>) {
    return this.datasets.list(q.skip, q.take);
  }

  @ApiDoc('A data set and its scope report', {
    description:
      'lines, accepted, quarantined, duplicates, the unique counts, `nullValues` and `warningCounts` by field path',
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':datasetId')
  show(@Param('datasetId', { schema: guid }) id: string) {
    return this.datasets.show(id);
  }

  @ApiDoc(
    'Quarantined lines of a data set with their reasons, paged; `format=raw`: the raw lines as a file to fix and add back',
    {
      description:
        '`{datasetId, quarantined:[{upload, line, reason, raw}]}`; with `format=raw` the lines as read, streamed (JSON lines, or for CSV input a CSV file with its header), every page at once; `upload` keeps one upload',
    },
  )
  @ApiErrors(400, 404)
  @RequireRole('viewer', { query: 'format', value: 'raw', role: 'admin' })
  @Get(':datasetId/quarantine')
  async quarantine(
    @Req() req: OperatorRequest,
    @Param('datasetId', { schema: guid }) id: string,
    @Query({ schema: page }) p: z.infer<typeof page>,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (p.format === 'raw') {
      const out = await this.datasets.exportQuarantine(id, p.upload, req.operator!);
      res.status(200).setHeader('Content-Type', out.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="quarantine-${id}.${out.format}"`);
      await pipeline(Readable.from(out.lines), res);
      return undefined;
    }
    return { datasetId: id, quarantined: await this.datasets.quarantine(id, p.skip, p.take, p.upload) };
  }

  @ApiDoc(
    'Values dropped from accepted lines (an address that is not one, a value of the wrong type), by line, paged',
    {
      description:
        '`{datasetId, warnings:[{upload, line, field, reason}]}`; `field` as `to[1]`, `people[0].email`, `from`; `upload` as in the quarantine (0: the file that made the data set, 1, 2, …: files added to it), and the query `upload` keeps one upload',
    },
  )
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':datasetId/warnings')
  async warnings(@Param('datasetId', { schema: guid }) id: string, @Query({ schema: page }) p: z.infer<typeof page>) {
    return { datasetId: id, warnings: await this.datasets.warnings(id, p.skip, p.take, p.upload) };
  }

  @ApiDoc('The duplicate cluster of a record, with why each copy joined it', { description: 'the cluster' })
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Get(':datasetId/records/:recordId/cluster')
  cluster(@Param('datasetId', { schema: guid }) id: string, @Param('recordId') recordId: string) {
    if (recordId.length > 200) throw new BadInputError('recordId too long');
    return this.datasets.clusterOfRecord(id, recordId);
  }
}
