import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { OperatorCredentials } from './operator-credentials.js';

export interface OperatorRequest extends Request {
  operator?: string;
}

/**
 * Operator endpoints take a bearer token from OPERATOR_TOKENS; the matched entry's name is the
 * operator recorded in the audit log. Compared in constant time over digests.
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly credentials: OperatorCredentials;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.credentials = new OperatorCredentials(config.OPERATOR_TOKENS);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<OperatorRequest>();
    const name = this.credentials.fromAuthorization(req.headers.authorization);
    if (name === null) throw new UnauthorizedException('operator token required');
    req.operator = name;
    return true;
  }
}
