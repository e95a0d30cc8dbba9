import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { loadConsoleAssets, sendAsset, sendPage, type ConsolePageFile, type StaticFiles } from '../web/web-assets.js';
import { ApiDoc, ApiErrors } from '../ops/api-docs.js';

/**
 * The operator's console (GET /console, outside the /v1 prefix): one static page and its script
 * and style sheet, under the inbox page's policy. The page holds no data: it signs in with an
 * operator token kept in sessionStorage and reads everything through the operator API, which
 * checks the token and the role of every request.
 */
@ApiTags('operator console page')
@Controller('console')
export class ConsolePageController {
  private readonly web: StaticFiles<ConsolePageFile> = loadConsoleAssets();

  @ApiDoc("The operator's console; it reads and acts through the operator API", {
    description: 'an HTML page',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @Get()
  page(@Res() res: Response): void {
    sendPage(res, 200, this.web.pages['console.html']);
  }

  @ApiDoc('A static file of the console (script, style sheet)', {
    description: 'the file',
    content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
  })
  @ApiErrors(404)
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    sendAsset(res, this.web.assets, name);
  }
}
