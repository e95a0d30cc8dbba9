import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

export interface OperatorRequest extends Request {
  operator?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Operator endpoints take a bearer token from OPERATOR_TOKENS; the matched entry's name is the
 * operator recorded in the audit log. Compared in constant time over digests.
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly tokens: { name: string; digest: Buffer }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.tokens = config.OPERATOR_TOKENS.map((t) => ({ name: t.name, digest: digest(t.token) }));
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<OperatorRequest>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (match) {
      const given = digest(match[1]!);
      for (const t of this.tokens) {
        if (timingSafeEqual(t.digest, given)) {
          req.operator = t.name;
          return true;
        }
      }
    }
    throw new UnauthorizedException('operator token required');
  }
}
