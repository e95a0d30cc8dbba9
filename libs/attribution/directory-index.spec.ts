import { describe, expect, it } from '@jest/globals';
import { DirectoryIndex, type DirectoryTenant } from './directory-index.js';
import { OPERATOR_DOMAINS, T, tenant, worldTenants } from './attribution.test-helpers.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);

describe('DirectoryIndex', () => {
  it('finds tenants by id, case-insensitively, and nothing for an unknown id', () => {
    expect(index.tenant(T.contoso.toUpperCase())?.id).toBe(T.contoso);
    expect(index.tenant('99999999-9999-4999-8999-999999999999')).toBeUndefined();
    expect(index.size).toBe(8);
  });

  it('matches a verified domain and its subdomains, label by label', () => {
    const contoso = {
      kind: 'verified',
      domain: 'contoso.com',
      tenantId: T.contoso,
      signal: 'verifiedDomain:contoso.com',
    };
    expect(index.matchDomain('contoso.com')).toEqual(contoso);
    expect(index.matchDomain('mail.eu.contoso.com')).toEqual(contoso);
  });

  it('never matches on a string suffix: notcontoso.com is not contoso.com', () => {
    expect(index.matchDomain('notcontoso.com')).toEqual({ kind: 'none' });
    expect(index.matchDomain('contoso.com.evil.net')).toEqual({ kind: 'none' });
  });

  it('lets the longest verified domain win: a subsidiary verifying a subdomain', () => {
    expect(index.matchDomain('a.labs.contoso.com')).toEqual({
      kind: 'verified',
      domain: 'labs.contoso.com',
      tenantId: T.contosoLabs,
      signal: 'verifiedDomain:labs.contoso.com',
    });
    expect(index.matchDomain('labs.contoso.com')).toMatchObject({ tenantId: T.contosoLabs });
    expect(index.matchDomain('nolabs.contoso.com')).toMatchObject({ tenantId: T.contoso });
  });

  it('matches nobody on a mixed-script or confusable domain (Cyrillic о in cоntoso.com)', () => {
    const homograph = new URL('http://c\u043entoso.com').hostname; // punycode form
    expect(homograph).toMatch(/^xn--/);
    expect(index.matchDomain(homograph)).toEqual({ kind: 'confusable' });
  });

  it('gives operator domains and their subdomains to nobody, even if a tenant verified one', () => {
    const idx = DirectoryIndex.build(
      [tenant(T.contoso, { domains: ['contoso.com', 'partners.microsoft.com'] })],
      ['Microsoft.com'],
    );
    expect(idx.matchDomain('microsoft.com')).toEqual({ kind: 'operator', domain: 'microsoft.com' });
    expect(idx.matchDomain('partners.microsoft.com')).toEqual({ kind: 'operator', domain: 'microsoft.com' });
    expect(idx.isOperatorDomain('eu.microsoft.com')).toBe(true);
    expect(idx.isOperatorDomain('notmicrosoft.com')).toBe(false);
    expect(idx.matchDomain('notmicrosoft.com')).toEqual({ kind: 'none' });
  });

  it('treats free-mail domains as nobody, and never indexes a free-mail or public-suffix domain as verified', () => {
    const idx = DirectoryIndex.build(
      [tenant(T.contoso, { domains: ['gmail.com', 'co.uk', 'contoso.co.uk'] })],
      OPERATOR_DOMAINS,
    );
    expect(idx.matchDomain('gmail.com')).toEqual({ kind: 'freeMail' });
    expect(idx.matchDomain('fabrikam.co.uk')).toEqual({ kind: 'none' });
    expect(idx.matchDomain('x.contoso.co.uk')).toMatchObject({ kind: 'verified', tenantId: T.contoso });
  });

  it("gives a conflicted domain to none of its claimants, even one that also lists it as verified; a subdomain verified by another tenant stays that tenant's", () => {
    const idx = DirectoryIndex.build(
      [
        tenant(T.contoso, { domains: ['contoso.com'], conflictedDomains: ['contoso.com'] }),
        tenant(T.fabrikam, { conflictedDomains: ['Contoso.com'] }),
        tenant(T.contosoLabs, { domains: ['labs.contoso.com'] }),
      ],
      [],
    );
    const conflicted = {
      kind: 'conflicted',
      domain: 'contoso.com',
      tenantIds: [T.contoso, T.fabrikam],
      signal: 'verifiedDomain:contoso.com',
    };
    expect(idx.matchDomain('contoso.com')).toEqual(conflicted);
    expect(idx.matchDomain('eu.contoso.com')).toEqual(conflicted);
    expect(idx.matchDomain('x.labs.contoso.com')).toMatchObject({ kind: 'verified', tenantId: T.contosoLabs });
    expect(idx.matchDomain('notcontoso.com')).toEqual({ kind: 'none' });
  });

  it('marks a domain verified by two tenants as ambiguous rather than giving it to either', () => {
    const idx = DirectoryIndex.build(
      [tenant(T.contoso, { domains: ['contoso.com'] }), tenant(T.fabrikam, { domains: ['CONTOSO.com'] })],
      [],
    );
    expect(idx.matchDomain('x.contoso.com')).toEqual({
      kind: 'ambiguous',
      domain: 'contoso.com',
      tenantIds: [T.contoso, T.fabrikam],
      signal: 'verifiedDomain:contoso.com',
    });
  });

  it('indexes contacts normalized, and keeps every tenant listing the same address', () => {
    expect(index.contactTenants('admin@contoso.com')).toEqual([T.contoso]);
    expect(index.contactTenants('partner@adatum.com')).toEqual([T.adatum, T.woodgrove]);
    expect(index.contactTenants('nobody@contoso.com')).toEqual([]);
  });

  it('indexes names and aliases normalized (case, punctuation, legal suffixes)', () => {
    expect(index.companyTenants('fabrikam capital')).toEqual([T.fabrikam]);
    expect(index.companyTenants('tailspin toys')).toEqual([T.tailspinUs, T.tailspinDe]);
    expect(index.companyTenants('contoso')).toEqual([T.contoso]);
  });

  it('indexes phone numbers as E.164, normalizing a written one', () => {
    const idx = DirectoryIndex.build([tenant(T.fabrikam, { phones: ['+49 30 5550 1234'] })], []);
    expect(idx.phoneTenants('+493055501234')).toEqual([T.fabrikam]);
    expect(index.phoneTenants('+14255550100')).toEqual([T.contoso]);
  });

  // Its speed is measured by `npm run bench:attribute`, not asserted here: this machine is shared.
  it('builds an index of 100,000 tenants with look-ups still exact', () => {
    const tenants: DirectoryTenant[] = [];
    for (let i = 0; i < 100_000; i++) {
      const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      tenants.push({
        id,
        name: `Company ${i} Holdings Ltd`,
        aliases: [`Company ${i}`],
        domains: [`company${i}.com`, `company${i}.de`],
        phones: [`+1425${(5550000 + i).toString().padStart(7, '0')}`],
        contacts: [{ email: `admin${i}@company${i}.com`, roles: ['GlobalAdmin'] }],
      });
    }
    const big = DirectoryIndex.build(tenants, OPERATOR_DOMAINS);
    expect(big.size).toBe(100_000);
    expect(big.matchDomain('mail.company99999.de')).toMatchObject({ tenantId: tenants[99_999]!.id });
    expect(big.contactTenants('admin5@company5.com')).toEqual([tenants[5]!.id]);
  });
});
