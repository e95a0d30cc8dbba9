import {
  CanActivate,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { clientAddress, SecurityEvents } from '../audit/security-events.js';
import { OperatorAuthFailures } from './shared-rate-limits.js';
import { OperatorCredentials } from './operator-credentials.js';
import { OperatorRoles, REQUIRED_ROLE, roleFor, type RoleRule } from './operator-roles.js';
import { ForbiddenError } from '../common/errors.js';

export interface OperatorRequest extends Request {
  operator?: string;
}

/**
 * Operator endpoints take a bearer token from OPERATOR_TOKENS; the matched entry's name is the
 * operator recorded in the audit log. Compared in constant time over digests. A client address
 * that failed OPERATOR_AUTH_MAX_FAILURES times in a minute waits (429, Retry-After) for the rest
 * of it, whatever it sends: guessing tokens gets slow. The failures are counted in Redis, across
 * every API process (libs/auth/shared-rate-limits.ts). Failures are logged and audited.
 *
 * Then the role: each route names the one it needs (@RequireRole); an operator without it gets 403
 * and a `security.operatorForbidden` audit event, and a route that names none is refused to
 * everyone. Roles come from OPERATOR_ROLES alone: nothing in the request (a header, the query)
 * can add one.
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly credentials: OperatorCredentials;
  private readonly roles: OperatorRoles;
  private readonly logger = new Logger('operator-auth');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly security: SecurityEvents,
    private readonly failures: OperatorAuthFailures,
    private readonly reflector: Reflector,
  ) {
    this.credentials = new OperatorCredentials(config.OPERATOR_TOKENS);
    this.roles = new OperatorRoles(config.OPERATOR_ROLES);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<OperatorRequest>();
    const address = clientAddress(req);
    const wait = await this.failures.waitSeconds(address);
    if (wait > 0) {
      this.security.report('operator_auth_throttled', address);
      http.getResponse<Response>().setHeader('Retry-After', String(wait));
      throw new HttpException('too many failed authentications', 429);
    }
    const name = this.credentials.fromAuthorization(req.headers.authorization);
    if (name === null) {
      const failed = await this.failures.fail(address);
      // the address goes to the audit event only: logs carry no client addresses
      this.logger.warn(`operator authentication failed (${failed} from one client address this minute)`);
      this.security.report('operator_auth_failed', address);
      throw new UnauthorizedException('operator token required');
    }
    await this.failures.succeed(address);
    req.operator = name;
    this.authorize(context, req, name, address);
    return true;
  }

  private authorize(context: ExecutionContext, req: OperatorRequest, name: string, address: string): void {
    const rule = this.reflector.get<RoleRule | undefined>(REQUIRED_ROLE, context.getHandler());
    const path = (req.route as { path?: unknown } | undefined)?.path;
    const route = `${req.method} ${typeof path === 'string' ? path : `${context.getClass().name}.${context.getHandler().name}`}`;
    if (rule === undefined) {
      this.logger.error(`${route} names no role (@RequireRole): refused`);
      throw new ForbiddenError('this operation names no role; it is refused to every operator');
    }
    const role = roleFor(rule, req.query);
    const refusal = this.roles.refusal(name, role);
    if (refusal === null) return;
    this.security.report('operatorForbidden', address, {
      actor: name,
      subject: route,
      key: name,
      details: { role },
    });
    throw new ForbiddenError(refusal);
  }
}
