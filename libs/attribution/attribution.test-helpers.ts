/**
 * Test helpers: build NormalizedRecords and directory tenants tersely. Used by the specs only.
 */
import { normalizeEmail } from '../common/email.js';
import type { NormalizedRecord, RecordKind } from '../exposure/exposure.types.js';
import type { DirectoryTenant } from './directory-index.js';

export interface RecordSpec {
  recordId?: string;
  kind?: RecordKind;
  subject?: string;
  hasBody?: boolean;
  from?: string;
  to?: string[];
  cc?: string[];
  people?: { name?: string; email?: string; phone?: string }[];
  phones?: string[];
  companies?: string[];
  tenantIds?: string[];
  projectIds?: string[];
  files?: { fileName?: string; sha256?: string }[];
}

let seq = 0;

/** A NormalizedRecord from raw-ish values, normalized the way ingest does. */
export function record(spec: RecordSpec): NormalizedRecord {
  const addresses: NormalizedRecord['addresses'] = [];
  const add = (raw: string, role: NormalizedRecord['addresses'][number]['role']) => {
    const n = normalizeEmail(raw);
    if (n) addresses.push({ address: n.address, domain: n.domain, role });
  };
  if (spec.from) add(spec.from, 'from');
  for (const a of spec.to ?? []) add(a, 'to');
  for (const a of spec.cc ?? []) add(a, 'cc');
  const people = (spec.people ?? []).map((p) => {
    const email = p.email ? normalizeEmail(p.email)?.address : undefined;
    if (p.email) add(p.email, 'person');
    const key = email ? `email:${email}` : `name:${(p.name ?? '').toLowerCase()}${p.phone ? `|${p.phone}` : ''}`;
    return {
      key,
      ...(p.name ? { name: p.name } : {}),
      ...(email ? { email } : {}),
      ...(p.phone ? { phone: p.phone } : {}),
    };
  });
  const phones = [...(spec.phones ?? []), ...people.flatMap((p) => (p.phone ? [p.phone] : []))];
  return {
    recordId: spec.recordId ?? `R${++seq}`,
    kind: spec.kind ?? 'email',
    ...(spec.subject !== undefined ? { subject: spec.subject } : {}),
    hasBody: spec.hasBody ?? false,
    addresses,
    people,
    phones: [...new Set(phones)],
    otherPhones: [],
    companies: spec.companies ?? [],
    tenantIds: (spec.tenantIds ?? []).map((t) => t.toLowerCase()),
    projectIds: (spec.projectIds ?? []).map((p) => p.trim().toUpperCase()),
    files: (spec.files ?? []).map((f) => ({
      key: f.sha256 ? `sha256:${f.sha256.toLowerCase()}` : `name:${(f.fileName ?? '').toLowerCase()}`,
      ...f,
    })),
  };
}

export function tenant(id: string, t: Partial<Omit<DirectoryTenant, 'id'>>): DirectoryTenant {
  return {
    id,
    name: t.name ?? `Tenant ${id}`,
    aliases: t.aliases ?? [],
    domains: t.domains ?? [],
    phones: t.phones ?? [],
    contacts: t.contacts ?? [],
    ...(t.conflictedDomains ? { conflictedDomains: t.conflictedDomains } : {}),
  };
}

/** Tenant ids of the shared test world. */
export const T = {
  contoso: '11111111-1111-4111-8111-111111111111',
  contosoLabs: '22222222-2222-4222-8222-222222222222',
  fabrikam: '33333333-3333-4333-8333-333333333333',
  tailspinUs: '44444444-4444-4444-8444-444444444444',
  tailspinDe: '55555555-5555-4555-8555-555555555555',
  adatum: '66666666-6666-4666-8666-666666666666',
  woodgrove: '77777777-7777-4777-8777-777777777777',
  northwind: '88888888-8888-4888-8888-888888888888',
} as const;

export const OPERATOR_DOMAINS = ['microsoft.com'];

/** A small directory holding every adversarial case the rules name. */
export function worldTenants(): DirectoryTenant[] {
  return [
    tenant(T.contoso, {
      name: 'Contoso Ltd',
      domains: ['contoso.com'],
      phones: ['+14255550100'],
      contacts: [
        { email: 'admin@contoso.com', roles: ['GlobalAdmin'] },
        // a free-mail mailbox the tenant listed itself
        { email: 'contoso.it@gmail.com', roles: ['PrivacyReader'] },
      ],
    }),
    // a subsidiary verifying a subdomain of contoso.com
    tenant(T.contosoLabs, { name: 'Contoso Labs', domains: ['labs.contoso.com'] }),
    tenant(T.fabrikam, {
      name: 'Fabrikam Capital Corp.',
      aliases: ['Fabrikam Capital'],
      domains: ['fabrikamcapital.de', 'fabrikamcapital.com'],
      phones: ['+493055501234'],
      contacts: [{ email: 'bjorn.costa@fabrikamcapital.de', roles: ['GlobalAdmin'] }],
    }),
    // two tenants whose names normalize alike
    tenant(T.tailspinUs, { name: 'Tailspin Toys Inc.', domains: ['tailspintoys.com'] }),
    tenant(T.tailspinDe, { name: 'Tailspin Toys GmbH', domains: ['tailspintoys.de'] }),
    // a contact address listed by two tenants (a partner administers the other)
    tenant(T.adatum, {
      name: 'Adatum Corporation',
      domains: ['adatum.com'],
      contacts: [{ email: 'partner@adatum.com', roles: ['GlobalAdmin'] }],
    }),
    tenant(T.woodgrove, {
      name: 'Woodgrove Bank',
      domains: ['woodgrovebank.com'],
      phones: ['+12065550123'],
      contacts: [{ email: 'Partner@Adatum.com', roles: ['GlobalAdmin'] }],
    }),
    // a contact on a domain nobody verified, and a person known only by phone
    tenant(T.northwind, {
      name: 'Northwind Traders',
      domains: ['northwindtraders.com'],
      phones: ['+441632960001'],
      contacts: [{ email: 'it@northwind-consulting.net', roles: ['GlobalAdmin'] }],
    }),
  ];
}
