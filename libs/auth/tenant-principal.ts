/**
 * Who is asking in the tenant inbox, as proven by a verified token, and the one rule about what
 * such a reader may see beyond their own tenant's boundary.
 */
export interface TenantPrincipal {
  /** the tenant directory's id (lower-case GUID), from the token's `tid` */
  tenantId: string;
  /** the token's `sub`: view points (read, archived, favorite) are kept per user */
  userId: string;
  /** the user's address, normalized (from `email` or `preferred_username`); none for an application */
  email?: string;
  /**
   * set for an app-only token (client credentials: an application permission in `roles`, no user):
   * the application's client id. It reads its tenant's notices; view points, being per user, are not its to set.
   */
  appId?: string;
  roles: string[];
  /** the issuer that signed the token */
  issuer: string;
  /** the user's language from the token's `locale` claim (a BCP-47 tag), when it has a usable one */
  locale?: string;
}

/**
 * A token's `locale` claim as a canonical BCP-47 tag, or undefined: a claim that is not a
 * language tag costs the reader their language (they get the fallback), never their access.
 */
export function localeClaim(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 35) return undefined;
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    return undefined;
  }
}

/**
 * The roles a reader acts with. For a contact listed in the tenant directory the directory's roles
 * hold, whatever the token claims: a token never widens them, and a downgrade there applies to
 * tokens already issued. A user the directory does not list keeps the token's roles (the tenant's
 * own identity provider vouches for them), except under the development issuer, which signs only
 * for listed contacts: its token for an address no longer listed carries no roles.
 */
export function effectiveRoles(
  tokenRoles: readonly string[],
  directoryRoles: readonly string[] | null,
  fromDevIssuer: boolean,
): string[] {
  if (directoryRoles) return [...new Set(directoryRoles)];
  return fromDevIssuer ? [] : [...tokenRoles];
}

/** The roles that may read data-privacy notices (docs/contracts.md §1, docs/design.md rule 5). */
export const PRIVACY_ROLES: readonly string[] = ['GlobalAdmin', 'PrivacyReader'];

/** The tag that makes a notice a data-privacy notice; compared case-insensitively, so a variant spelling fails closed. */
export const DATA_PRIVACY_TAG = 'Data privacy';

export function mayReadDataPrivacy(roles: readonly string[]): boolean {
  return roles.some((r) => PRIVACY_ROLES.includes(r));
}

export function isDataPrivacyNotice(tags: readonly string[]): boolean {
  const t = DATA_PRIVACY_TAG.toLowerCase();
  return tags.some((x) => x.toLowerCase() === t);
}

/**
 * Whether a reader with these roles may see a notice with these tags (of their own tenant: the
 * tenant boundary is the query's and the row-level security policies' business). A notice they
 * may not read does not exist for them.
 */
export function mayReadNotice(roles: readonly string[], tags: readonly string[]): boolean {
  return !isDataPrivacyNotice(tags) || mayReadDataPrivacy(roles);
}

/** What the audit log records as the actor of a tenant read. */
export function auditActor(p: TenantPrincipal): string {
  return p.appId !== undefined ? `tenant-app:${p.appId}` : `tenant-user:${p.email}`;
}

/**
 * Whether a reader may see data-privacy notices: a user by their roles, an application by holding
 * an application permission the configuration allows (the verifier admits it only then).
 */
export function principalMayReadDataPrivacy(p: TenantPrincipal): boolean {
  return p.appId !== undefined || mayReadDataPrivacy(p.roles);
}
