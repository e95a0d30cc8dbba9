import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { guid } from '../../../../libs/common/input.js';
import { NotFoundError } from '../../../../libs/common/errors.js';
import { IncidentsService } from '../../../../libs/incidents/incidents.service.js';
import { IncidentReportService } from '../../../../libs/campaigns/incident-report.service.js';
import { REPORT_CSP } from '../../../../libs/incidents/incident-report.js';
import {
  createIncidentInput,
  fileIncidentInput,
  incidentLocale,
  incidentReportInput,
  incidentTextInput,
  incidentUpdateInput,
  listIncidentsInput,
  reportVersion,
} from '../../../../libs/incidents/incident-input.js';
import { NoticeRevisions } from '../../../../libs/campaigns/notice-revisions.service.js';
import {
  ApiDoc,
  ApiErrors,
  ApiOperator,
  INCIDENT,
  INCIDENT_DETAIL,
  INCIDENT_FILING,
  INCIDENT_LIST,
  INCIDENT_REPORT,
  INCIDENT_REPORT_LIST,
  INCIDENT_TEXT,
  INCIDENT_UPDATE,
  RequireRole,
  UPDATE_PROGRESS,
} from '../ops/api-docs.js';

/** Operator endpoints for incidents (docs/contracts.md §5): the same operations as `incidents ...` in the CLI. */
@ApiOperator('operator: incidents')
@Controller('incidents')
@UseGuards(OperatorAuthGuard)
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly reports: IncidentReportService,
    private readonly revisions: NoticeRevisions,
  ) {}

  @ApiDoc('Create an incident: the data sets and campaigns of one exposure', {
    status: 201,
    description: 'the new incident',
    schema: INCIDENT,
  })
  @ApiErrors(400)
  @RequireRole('admin')
  @Post()
  @HttpCode(201)
  create(
    @Body({ schema: createIncidentInput }) body: z.infer<typeof createIncidentInput>,
    @Req() req: OperatorRequest,
  ) {
    return this.incidents.create(body, req.operator!);
  }

  @ApiDoc('Incidents, newest first, with their campaign counts and the locales they have words in', {
    description: 'a page of incidents',
    schema: INCIDENT_LIST,
  })
  @ApiErrors(400)
  @RequireRole('viewer')
  @Get()
  list(@Query({ schema: listIncidentsInput }) q: z.infer<typeof listIncidentsInput>) {
    return this.incidents.list(q.skip, q.take);
  }

  @ApiDoc('An incident: its data sets (through its campaigns), its campaigns with their status, its locales', {
    description: 'the incident',
    schema: INCIDENT_DETAIL,
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id')
  show(@Param('id', { schema: guid }) id: string) {
    return this.incidents.show(id);
  }

  @ApiDoc("The incident's words in one locale: five Markdown sections", {
    description: 'the words as stored',
    schema: INCIDENT_TEXT,
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/texts/:locale')
  text(@Param('id', { schema: guid }) id: string, @Param('locale', { schema: incidentLocale }) locale: string) {
    return this.incidents.text(id, locale);
  }

  @ApiDoc(
    "Write the incident's words in a shipped locale (five Markdown sections; raw HTML is shown as text, links only to http(s) and mailto)",
    { description: 'the words as stored', schema: INCIDENT_TEXT },
  )
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Put(':id/texts/:locale')
  @HttpCode(200)
  writeText(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Param('locale', { schema: incidentLocale }) locale: string,
    @Body({ schema: incidentTextInput }) body: z.infer<typeof incidentTextInput>,
  ) {
    return this.incidents.writeText(id, locale, body, req.operator!);
  }

  @ApiDoc(
    'Record a notification of the incident filed with the supervisory authority (the first stops the 72-hour clock; later ones are further phases)',
    { status: 201, description: 'the clock with every filing', schema: INCIDENT_FILING },
  )
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Post(':id/filings')
  @HttpCode(201)
  file(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Body({ schema: fileIncidentInput }) body: z.infer<typeof fileIncidentInput>,
  ) {
    return this.incidents.file(id, body, req.operator!);
  }

  @ApiDoc(
    'The draft notification to the supervisory authority (GDPR Art. 33(3)), written now and stored as a new version: Markdown, or a standalone printable HTML page',
    {
      description:
        'the draft; `X-Report-Version` and `X-Content-SHA256` name the stored version (`GET …/reports/{version}` reads it again)',
      content: { 'text/markdown': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } } },
    },
  )
  @ApiErrors(400, 404)
  @RequireRole('admin')
  @Get(':id/report')
  async report(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Query({ schema: incidentReportInput }) q: z.infer<typeof incidentReportInput>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.reports.export(id, q.format, req.operator!);
    res.setHeader('Content-Type', q.format === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8');
    // the page's own policy: its inline stylesheet by hash, nothing else
    if (q.format === 'html') res.setHeader('Content-Security-Policy', REPORT_CSP);
    res.setHeader('Content-Disposition', `inline; filename="incident-${r.incidentId}-v${r.version}.${r.format}"`);
    res.setHeader('X-Report-Version', String(r.version));
    res.setHeader('X-Content-SHA256', r.contentSha256);
    res.setHeader('Cache-Control', 'no-store');
    return r.content;
  }

  @ApiDoc("The incident's stored draft notifications, newest first (without their content)", {
    description: 'the versions',
    schema: INCIDENT_REPORT_LIST,
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/reports')
  reportList(@Param('id', { schema: guid }) id: string) {
    return this.incidents.reports(id);
  }

  @ApiDoc('One stored draft notification, as it was written', { description: 'the version', schema: INCIDENT_REPORT })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/reports/:version')
  reportVersion(
    @Param('id', { schema: guid }) id: string,
    @Param('version', { schema: reportVersion }) version: number,
  ) {
    return this.incidents.report(id, version);
  }

  @ApiDoc(
    'Post an update of the incident: every notice of its campaigns gets a new revision with a dated "Update" section on top (Markdown by locale, en-US required, the others falling back to it); `notify` emails their readers',
    { status: 202, description: 'the update, queued for posting', schema: INCIDENT_UPDATE },
  )
  @ApiErrors(400, 404, 409)
  @RequireRole('sender')
  @Post(':id/updates')
  @HttpCode(202)
  postUpdate(
    @Req() req: OperatorRequest,
    @Param('id', { schema: guid }) id: string,
    @Body({ schema: incidentUpdateInput }) body: z.infer<typeof incidentUpdateInput>,
  ) {
    return this.revisions.postUpdate(id, body, req.operator!);
  }

  @ApiDoc('How far an update has come: the notices revised and those still to revise', {
    description: 'the progress',
    schema: UPDATE_PROGRESS,
  })
  @ApiErrors(400, 404)
  @RequireRole('viewer')
  @Get(':id/updates/:updateId')
  async updateProgress(
    @Param('id', { schema: guid }) id: string,
    @Param('updateId', { schema: guid }) updateId: string,
  ) {
    const p = await this.revisions.updateProgress(updateId);
    if (p.incidentId !== id.toLowerCase()) throw new NotFoundError(`update ${updateId} not found`);
    return p;
  }
}
