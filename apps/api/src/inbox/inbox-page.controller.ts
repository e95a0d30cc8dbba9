import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AppError } from '../../../../libs/common/errors.js';
import { DevIssuer } from '../../../../libs/auth/dev-issuer.js';
import { AddressRateLimitGuard } from '../../../../libs/auth/tenant-auth.guard.js';
import { fillPage, loadWebAssets, sendAsset, sendPage, type WebAssets } from '../web/web-assets.js';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiDoc, ApiErrors } from '../ops/api-docs.js';

/**
 * The Message Center page (GET /inbox, outside the /v1 prefix) and, when the development issuer
 * is enabled, its demo sign-in (GET /inbox/dev-login?tenant=…&email=…). The page reads messages
 * through the same tenant API as any other client, with the token kept in sessionStorage.
 */
@ApiTags('tenant inbox page')
@ApiErrors(429)
@Controller('inbox')
@UseGuards(AddressRateLimitGuard)
export class InboxPageController {
  private readonly web: WebAssets = loadWebAssets();

  constructor(private readonly devIssuer: DevIssuer) {}

  @ApiDoc('The Message Center page; it reads messages through the tenant inbox API', {
    description: 'an HTML page',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @Get()
  page(@Res() res: Response): void {
    this.html(res, 200, fillPage(this.web.pages['index.html'], { DEV_ISSUER: String(this.devIssuer.trusted) }));
  }

  @ApiDoc('A static file of the page (script, style sheet)', {
    description: 'the file',
    content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
  })
  @ApiErrors(404)
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    // public static files; the notice body's sandboxed frame (an opaque origin) loads message.css
    sendAsset(res, this.web.assets, name, { crossOrigin: true });
  }

  /**
   * A notification recipient's confirmation link. The page does not look at the token: its button
   * posts it, so a mail scanner that follows links confirms nothing, and the answer is only
   * "confirmed" or "this link is not valid".
   */
  @ApiDoc("The confirmation page of a notification recipient's emailed link", {
    description: 'an HTML page',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiQuery({ name: 'token', required: true, schema: { type: 'string' } })
  @Get('recipients/confirm')
  confirmPage(@Res() res: Response): void {
    this.html(res, 200, this.web.pages['confirm.html']);
  }

  /** Issues a development token into the page's sessionStorage; 404 when the development issuer is not in use. */
  @ApiDoc('Development sign-in (DEV_ISSUER_ENABLED only): puts a development token for a tenant admin into the page', {
    description: 'an HTML page',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiQuery({ name: 'tenant', required: true, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'email', required: true, schema: { type: 'string', format: 'email' } })
  @ApiErrors(404)
  @Get('dev-login')
  async devLogin(@Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    if (!this.devIssuer.trusted) {
      res.status(404).json({ error: { code: 'notFound', message: 'not found' } });
      return;
    }
    const tenant = typeof q.tenant === 'string' ? q.tenant.trim() : '';
    const email = typeof q.email === 'string' ? q.email.trim() : '';
    try {
      const { token } = await this.devIssuer.issue(tenant, email);
      this.html(res, 200, fillPage(this.web.pages['dev-login.html'], { TOKEN: token }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      this.html(res, err.status, fillPage(this.web.pages['refused.html'], { REASON: err.message }));
    }
  }

  private html(res: Response, status: number, body: string): void {
    sendPage(res, status, body);
  }
}
