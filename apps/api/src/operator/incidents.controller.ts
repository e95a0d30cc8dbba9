import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { guid } from '../../../../libs/common/input.js';
import { NotFoundError } from '../../../../libs/common/errors.js';
import { IncidentsService } from '../../../../libs/incidents/incidents.service.js';
import {
  createIncidentInput,
  incidentLocale,
  incidentTextInput,
  incidentUpdateInput,
  listIncidentsInput,
} from '../../../../libs/incidents/incident-input.js';
import { NoticeRevisions } from '../../../../libs/campaigns/notice-revisions.service.js';
import {
  ApiDoc,
  ApiErrors,
  ApiOperator,
  INCIDENT,
  INCIDENT_DETAIL,
  INCIDENT_LIST,
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
