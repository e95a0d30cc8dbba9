import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { clientAddress, SecurityEvents } from '../../../../libs/audit/security-events.js';
import type { TenantRequest } from '../../../../libs/auth/tenant-auth.guard.js';
import { auditActor } from '../../../../libs/auth/tenant-principal.js';
import { AppError } from '../../../../libs/common/errors.js';

/**
 * A tenant asking for a message it may not see (another tenant's, one its role may not read, or
 * none at all: the answer is the same 404) is audited as a security event against the caller's
 * own tenant; the answer itself does not change.
 */
@Injectable()
export class RefusedReadAudit implements NestInterceptor {
  constructor(private readonly security: SecurityEvents) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<TenantRequest>();
    return next.handle().pipe(
      catchError((err: unknown) => {
        if (err instanceof AppError && (err.status === 403 || err.status === 404)) {
          const p = req.tenantPrincipal;
          const id = req.params['id'];
          this.security.report('refused_read', clientAddress(req), {
            ...(p ? { actor: auditActor(p), tenantId: p.tenantId } : {}),
            ...(typeof id === 'string' ? { subject: id } : {}),
          });
        }
        return throwError(() => err);
      }),
    );
  }
}
