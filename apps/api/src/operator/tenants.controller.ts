import {
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
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { expansionLimitsOf } from '../../../../libs/common/gzip-input.js';
import { limitedBody } from '../../../../libs/common/limited-body.js';
import { readLines } from '../../../../libs/common/read-lines.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { DirectoryService, MAX_PAGE, MAX_TENANT_LINE } from '../../../../libs/directory/directory.service.js';
import { decompressIfGzip, formatOf } from '../../../../libs/exposure/readers.js';
import { importTenantsInput } from '../../../../libs/directory/import-input.js';
import {
  ApiDoc,
  ApiErrors,
  ApiOperator,
  RequireRole,
  DOMAIN_CONFLICTS,
  IMPORT_RESULT,
  ApiUpload,
} from '../ops/api-docs.js';
import { guid } from '../../../../libs/common/input.js';

const page = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  take: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
});
/** Body types the JSON parser leaves alone, so the body arrives as a stream. */
const UPLOAD_TYPES = new Set([
  'application/x-ndjson',
  'application/jsonl',
  'text/csv',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
]);

@ApiOperator('operator: tenants')
@Controller('tenants')
@UseGuards(OperatorAuthGuard)
export class TenantsController {
  constructor(
    private readonly directory: DirectoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Imports a tenant directory (JSONL or CSV, gzip detected by its magic bytes) streamed from
   * the request body: `{imported, updated, rejected, warnings, conflicts}` as the CLI prints it.
   */
  @ApiDoc(
    'Import a tenant directory: one JSON tenant per line, or CSV (by content type, `name` ending in .csv or .csv.gz, or `format`); gzip detected by its magic bytes; re-importing upserts',
    {
      description:
        'how many were imported and updated, each rejected line with its reason, each dropped value with its line and field, and each domain conflict',
      schema: IMPORT_RESULT,
    },
  )
  @ApiUpload(
    [
      'application/x-ndjson',
      'application/jsonl',
      'text/csv',
      'application/gzip',
      'application/x-gzip',
      'application/octet-stream',
    ],
    'the directory, streamed',
  )
  @ApiErrors(400, 413, 415)
  @RequireRole('admin')
  @Post('import')
  @HttpCode(200)
  async import(
    @Req() req: OperatorRequest,
    @Query({ schema: importTenantsInput }) q: z.infer<typeof importTenantsInput>,
  ) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!UPLOAD_TYPES.has(type)) {
      throw new UnsupportedMediaTypeException(`send the directory as ${[...UPLOAD_TYPES].slice(0, 3).join(', ')}`);
    }
    const limited = limitedBody(req, this.config.INGEST_MAX_UPLOAD_BYTES);
    const expansion = expansionLimitsOf(this.config);
    const format = q.format ?? formatOf(q.name, type);
    const source = { actor: req.operator!, name: q.name ?? 'upload' };
    if (format === 'csv') return this.directory.importTenantsCsv(await decompressIfGzip(limited, expansion), source);
    return this.directory.importTenants(readLines(limited, { maxLineLength: MAX_TENANT_LINE, expansion }), source);
  }

  @ApiDoc(
    'Open domain conflicts: domains several tenants claim, which identify nobody until a re-import settles them',
    {
      description: 'each conflicted domain with its claimants (the first to verify it first) and since when',
      schema: DOMAIN_CONFLICTS,
    },
  )
  @RequireRole('admin')
  @Get('conflicts')
  async conflicts() {
    return { conflicts: await this.directory.listConflicts() };
  }

  @ApiDoc('List the directory, paged', { description: 'a page of tenants' })
  @ApiErrors(400)
  @RequireRole('admin')
  @Get()
  list(@Query({ schema: page }) p: z.infer<typeof page>) {
    return this.directory.listTenants(p);
  }

  @ApiDoc('One tenant with its domains and contacts', { description: 'the tenant' })
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Get(':tenantId')
  show(@Param('tenantId', { schema: guid }) tenantId: string) {
    return this.directory.getTenant(tenantId);
  }
}
