import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  HttpException,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { clientAddress, SecurityEvents } from '../audit/security-events.js';
import { InboxRateLimits } from './shared-rate-limits.js';
import { InvalidTokenError, MAX_TOKEN_LENGTH, TenantTokenVerifier } from './tenant-token.verifier.js';
import type { TenantPrincipal } from './tenant-principal.js';

export interface TenantRequest extends Request {
  tenantPrincipal?: TenantPrincipal;
}

/** The scheme is case-insensitive (RFC 9110); the token is base64url parts joined by dots. */
const BEARER = new RegExp(`^Bearer ([A-Za-z0-9_\\-.]{1,${MAX_TOKEN_LENGTH}})$`, 'i');

/**
 * `Authorization: Bearer <jwt>` verified by TenantTokenVerifier; the principal lands on
 * `req.tenantPrincipal`. Anything wrong is 401 `invalid token`, with no detail; a token that
 * fails verification is audited as a security event.
 */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TenantTokenVerifier,
    private readonly security: SecurityEvents,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<TenantRequest>();
    const match = BEARER.exec(req.headers.authorization ?? '');
    try {
      if (!match) throw new InvalidTokenError('no bearer token');
      req.tenantPrincipal = await this.verifier.verify(match[1]!);
      return true;
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      // a missing token is a page that has not signed in yet, not an attack
      if (match) this.security.report('invalid_token', clientAddress(req));
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('invalid token');
    }
  }
}

function refuse(res: Response, retryAfterS: number): never {
  res.setHeader('Retry-After', String(retryAfterS));
  throw new HttpException('too many requests', 429);
}

/** Counts every request by client address, so failed token guesses are limited too. */
@Injectable()
export class AddressRateLimitGuard implements CanActivate {
  constructor(private readonly limits: InboxRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const d = await this.limits.perAddress(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (!d.allowed) refuse(http.getResponse<Response>(), d.retryAfterS);
    return true;
  }
}

/** After TenantAuthGuard: counts requests per verified user (tenant and subject). */
@Injectable()
export class UserRateLimitGuard implements CanActivate {
  constructor(private readonly limits: InboxRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const p = http.getRequest<TenantRequest>().tenantPrincipal;
    if (!p) throw new UnauthorizedException('invalid token');
    const d = await this.limits.perUser(p.tenantId, p.userId);
    if (!d.allowed) refuse(http.getResponse<Response>(), d.retryAfterS);
    return true;
  }
}

/** For tenant endpoints: address limit, then token verification, then user limit. */
export const TenantAuthenticated = () =>
  applyDecorators(UseGuards(AddressRateLimitGuard, TenantAuthGuard, UserRateLimitGuard));
