import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { guid } from '../../../../libs/common/input.js';
import { IncidentsService } from '../../../../libs/incidents/incidents.service.js';
import {
  createIncidentInput,
  incidentLocale,
  incidentTextInput,
  listIncidentsInput,
} from '../../../../libs/incidents/incident-input.js';
import {
  ApiDoc,
  ApiErrors,
  ApiOperator,
  INCIDENT,
  INCIDENT_DETAIL,
  INCIDENT_LIST,
  INCIDENT_TEXT,
  RequireRole,
} from '../ops/api-docs.js';

/** Operator endpoints for incidents (docs/contracts.md §5): the same operations as `incidents ...` in the CLI. */
@ApiOperator('operator: incidents')
@Controller('incidents')
@UseGuards(OperatorAuthGuard)
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

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
}
