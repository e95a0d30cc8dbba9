import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { Transform } from 'node:stream';
import { z } from 'zod';
import type { Request } from 'express';
import { OperatorAuthGuard } from '../../../../libs/auth/operator-auth.guard.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { BadInputError, PayloadTooLargeError } from '../../../../libs/common/errors.js';
import { IngestService } from '../../../../libs/exposure/ingest.service.js';
import { DatasetsService } from '../../../../libs/exposure/datasets.service.js';
import { formatOf } from '../../../../libs/exposure/readers.js';
import { ApiDoc, ApiErrors, ApiOperator, INGEST_RESULT, ApiUpload } from '../ops/api-docs.js';

const uuid = z.uuid('must be a UUID');
const uploadQuery = z.object({
  name: z.string().trim().min(1).max(200).default('upload'),
  format: z.enum(['jsonl', 'csv']).optional(),
});
const page = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  take: z.coerce.number().int().min(1).max(10_000).default(100),
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
  @ApiDoc('Ingest an exposed data set streamed as the body (JSONL, gzip or CSV): validate, quarantine, deduplicate', { status: 201, description: 'the data set with its scope report; the same file again adds nothing', schema: INGEST_RESULT })
  @ApiUpload(['application/x-ndjson', 'application/gzip', 'text/csv', 'application/octet-stream'], 'the data set, streamed; `format` overrides what the name and content type suggest')
  @ApiErrors(400, 413)
  @Post()
  @HttpCode(201)
  async upload(@Req() req: Request, @Query({ schema: uploadQuery }) q: z.infer<typeof uploadQuery>) {
    const max = this.config.INGEST_MAX_UPLOAD_BYTES;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > max) throw new PayloadTooLargeError(`upload larger than ${max} bytes`);
    let seen = 0;
    const limited = req.pipe(
      new Transform({
        transform(chunk: Buffer, _e, done) {
          seen += chunk.length;
          if (seen > max) done(new PayloadTooLargeError(`upload larger than ${max} bytes`));
          else done(null, chunk);
        },
      }),
    );
    req.on('error', (e) => limited.destroy(e));
    const format = q.format ?? formatOf(q.name, req.headers['content-type']);
    return this.ingest.ingest({ stream: limited, name: q.name, format });
  }

  @ApiDoc('A data set and its scope report', { description: 'lines, accepted, quarantined, duplicates, the unique counts, `nullValues` and `warningCounts` by field path' })
  @ApiErrors(400, 404)
  @Get(':datasetId')
  show(@Param('datasetId', { schema: uuid }) id: string) {
    return this.datasets.show(id);
  }

  @ApiDoc('Quarantined lines of a data set with their reasons, paged', { description: '`{datasetId, quarantined:[{line, reason, raw}]}`' })
  @ApiErrors(400, 404)
  @Get(':datasetId/quarantine')
  async quarantine(@Param('datasetId', { schema: uuid }) id: string, @Query({ schema: page }) p: z.infer<typeof page>) {
    return { datasetId: id, quarantined: await this.datasets.quarantine(id, p.skip, p.take) };
  }

  @ApiDoc('Values dropped from accepted lines (an address that is not one, a value of the wrong type), by line, paged', {
    description: '`{datasetId, warnings:[{line, field, reason}]}`; `field` as `to[1]`, `people[0].email`, `from`',
  })
  @ApiErrors(400, 404)
  @Get(':datasetId/warnings')
  async warnings(@Param('datasetId', { schema: uuid }) id: string, @Query({ schema: page }) p: z.infer<typeof page>) {
    return { datasetId: id, warnings: await this.datasets.warnings(id, p.skip, p.take) };
  }

  @ApiDoc('The duplicate cluster of a record, with why each copy joined it', { description: 'the cluster' })
  @ApiErrors(400, 404)
  @Get(':datasetId/records/:recordId/cluster')
  cluster(@Param('datasetId', { schema: uuid }) id: string, @Param('recordId') recordId: string) {
    if (recordId.length > 200) throw new BadInputError('recordId too long');
    return this.datasets.clusterOfRecord(id, recordId);
  }
}
