import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { DevIssuer } from './dev-issuer.js';
import { AddressRateLimitGuard, TenantAuthGuard, UserRateLimitGuard } from './tenant-auth.guard.js';
import { InboxRateLimits, OperatorAuthFailures, RateLimitRedis } from './shared-rate-limits.js';
import { TenantTokenVerifier } from './tenant-token.verifier.js';

/**
 * Tenant token verification, the development issuer, the inbox's rate limits and the operator
 * authentication failure limit (both counted in Redis). Needs ConfigModule and DbModule (global);
 * the directory's tenants and contacts are DirectoryModule's.
 */
@Module({
  imports: [DirectoryModule],
  providers: [
    DevIssuer,
    TenantTokenVerifier,
    TenantAuthGuard,
    RateLimitRedis,
    InboxRateLimits,
    OperatorAuthFailures,
    AddressRateLimitGuard,
    UserRateLimitGuard,
  ],
  exports: [
    DevIssuer,
    TenantTokenVerifier,
    TenantAuthGuard,
    InboxRateLimits,
    OperatorAuthFailures,
    AddressRateLimitGuard,
    UserRateLimitGuard,
  ],
})
export class AuthModule {}
