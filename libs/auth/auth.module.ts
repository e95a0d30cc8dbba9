import { Module } from '@nestjs/common';
import { DevIssuer } from './dev-issuer.js';
import { AddressRateLimitGuard, InboxRateLimits, TenantAuthGuard, UserRateLimitGuard } from './tenant-auth.guard.js';
import { TenantDirectoryLookup } from './tenant-directory.repository.js';
import { TenantTokenVerifier } from './tenant-token.verifier.js';

/** Tenant token verification, the development issuer and the inbox's rate limits. Needs ConfigModule and DbModule (global). */
@Module({
  providers: [
    TenantDirectoryLookup,
    DevIssuer,
    TenantTokenVerifier,
    TenantAuthGuard,
    InboxRateLimits,
    AddressRateLimitGuard,
    UserRateLimitGuard,
  ],
  exports: [
    DevIssuer,
    TenantTokenVerifier,
    TenantAuthGuard,
    InboxRateLimits,
    AddressRateLimitGuard,
    UserRateLimitGuard,
  ],
})
export class AuthModule {}
