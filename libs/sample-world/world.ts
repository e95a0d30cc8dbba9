/**
 * A realistic, seeded sample world (for the tests, the demo and the benchmarks): a tenant directory (docs/contracts.md §1), an exposed data set
 * (docs/contracts.md §2, with garbage lines mixed in) and its TRUTH, known by construction.
 *
 * The truth must stay independent of the service: nothing here imports the service's
 * normalizers or dedupe code. Every record is built from "refs" whose canonical form
 * (normalized address, E.164 phone, person key, file key, project id) is decided when the
 * ref is created; variants written into copies (case, spacing, CRLF, NFKC forms, punycode)
 * are derived from that canonical form, so the truth never has to re-normalize anything.
 *
 * Dedupe truth follows docs/deduplication.md: every base message is a new item; copies
 * (exact), signature variants (same text), replies/forwards (quotes) and near-duplicates
 * (Jaccard >= 0.9) join the item of the message they were derived from, which is always
 * emitted first. Texts of distinct items are random enough never to meet any rule.
 *
 * Attribution truth: every tenant gets a role (CASES) that fixes its expected
 * decision; records of a role carry only the signals that role needs.
 */
import { domainToASCII } from 'node:url';

// ───────────────────────────── public API ─────────────────────────────

export interface WorldOptions {
  seed?: number;
  tenants?: number;
  operatorDomain?: string;
  garbage?: boolean;
}

export interface ScopeTruth {
  lines: number;
  records: number;
  quarantined: number;
  uniqueItems: number;
  uniqueEmailAddresses: number;
  uniquePeople: number;
  uniquePhoneNumbers: number;
  /** of uniquePhoneNumbers, those that are not valid numbers */
  phoneNumbersNotValid: number;
  uniqueFiles: number;
  uniqueProjects: number;
}

export interface World {
  /** JSONL lines of the directory, docs/contracts.md §1 */
  tenantLines: string[];
  /** JSONL lines of the data set (garbage mixed in, some lines ending in \r, one blank line pair) */
  exposureLines: string[];
  /** a small flat contact export (CSV, header row): a second, independent data set */
  csvText?: string;
  operatorDomains: string[];
  truth: WorldTruth;
}

/** How a record joined its item (informative: a service may name an equivalent rule). */
export type JoinRule = 'first' | 'exact' | 'same text' | 'quotes' | 'near-duplicate';

export interface ClusterTruth {
  recordIds: string[];
  /** via[i] is how recordIds[i] joined; via[0] is always 'first' */
  via: JoinRule[];
}

export interface CsvTruth {
  scope: ScopeTruth;
  quarantinedLines: { line: number; reasonPattern: string }[];
}

export interface WorldTruth {
  scope: ScopeTruth;
  /** reasonPattern: a lower-case word the reason must contain */
  quarantinedLines: { line: number; reasonPattern: string }[];
  /** directory lines that identify no tenant: rejected */
  rejectedTenantLines: { line: number; reasonPattern: string }[];
  /** values the import drops from a tenant it imports, each with its line and field */
  warnedTenantLines: { line: number; field: string; reasonPattern: string }[];
  /** lines whose tenant claims a domain another tenant verified first */
  domainConflicts: { line: number; domain: string }[];
  /** every tenant of the directory that was accepted, by tenantId */
  tenants: Record<string, TenantTruth>;
  /** the items of the JSONL data set (kept for worlds up to 5,000 tenants) */
  clusters?: ClusterTruth[];
  /** truth of csvText, a separate data set (tenant truth is for the JSONL data set only) */
  csv?: CsvTruth;
}

export interface TenantTruth {
  expected: 'affected' | 'not_affected' | 'needs_review';
  /** `<case key>: <explanation>`, the case key one of CASES */
  why: string;
  /** normalized addresses attributable to this tenant in the data set */
  ownAddresses: string[];
  ownPeopleNames: string[];
  /** E.164 */
  ownPhones: string[];
  /** files attributed to this tenant ALONE (may be shown to it) */
  ownFileNames: string[];
  /** files that also belong to another tenant (must never be shown by name) */
  sharedFileNames: string[];
  /** strings of OTHER tenants in records this tenant shares: must never appear in its view */
  foreignMarkers: string[];
}

/** The attribution cases; every tenant's `why` starts with one of these. */
export const CASES = {
  verifiedDomain: 'verified-domain',
  idnDomain: 'idn-domain',
  subdomainTenant: 'subdomain-tenant',
  parentLookalike: 'parent-domain-lookalike-homograph',
  freemailContact: 'freemail-contact',
  freemailNonContact: 'freemail-non-contact',
  tenantId: 'tenant-id',
  companyName: 'company-name-only',
  companyAlias: 'company-alias-only',
  companyShared: 'company-name-shared',
  phoneOnly: 'phone-only',
  conflict: 'conflicting-signals',
  conflictCleanElsewhere: 'conflict-with-clean-signal-elsewhere',
  sharedPartner: 'shared-record-partner',
  sharedCustomer: 'shared-record-customer',
  bodyMention: 'body-mention-only',
  textAddress: 'address-in-text-only',
  textPhone: 'phone-in-text-only',
  outsiderFile: 'files-shared-with-an-outsider',
  quarantineOnly: 'only-in-quarantined-lines',
  notMentioned: 'not-mentioned',
} as const;
export type CaseKey = (typeof CASES)[keyof typeof CASES];

type Decision = TenantTruth['expected'];

const EXPECTED: Record<CaseKey, Decision> = {
  'verified-domain': 'affected',
  'idn-domain': 'affected',
  'subdomain-tenant': 'affected',
  'parent-domain-lookalike-homograph': 'not_affected',
  'freemail-contact': 'affected',
  'freemail-non-contact': 'not_affected',
  'tenant-id': 'affected',
  'company-name-only': 'needs_review',
  'company-alias-only': 'needs_review',
  // a name several tenants share, and nothing stronger: an operator decides between them
  'company-name-shared': 'needs_review',
  'phone-only': 'needs_review',
  'conflicting-signals': 'needs_review',
  'conflict-with-clean-signal-elsewhere': 'affected',
  'shared-record-partner': 'affected',
  'shared-record-customer': 'affected',
  // a company named in a body is no signal; an address in a body is one
  'body-mention-only': 'not_affected',
  'address-in-text-only': 'affected',
  'phone-in-text-only': 'needs_review',
  'files-shared-with-an-outsider': 'affected',
  'only-in-quarantined-lines': 'not_affected',
  'not-mentioned': 'not_affected',
};

/** Lines appended to a message to make a near-duplicate (<= 4 words, base >= 50 words). */
export const NEAR_DUP_DISCLAIMERS = [
  'Internal use only.',
  'Sent from my phone.',
  'Please consider the environment.',
  'Confidential, do not forward.',
  'Printed copies are uncontrolled.',
] as const;

/** Quarantine reason patterns by defect (the service's reason must contain the word). */
export const QUARANTINE_PATTERNS = {
  notJson: 'json',
  notObject: 'object',
  missingRecordId: 'recordid',
  missingKind: 'kind',
  unknownKind: 'kind',
  wrongType: 'type',
  overSize: 'size',
  controlChar: 'control',
  duplicateRecordId: 'duplicate',
} as const;

/**
 * Directory rejection reason patterns: only a line that identifies no tenant is rejected
 * (docs/directory.md).
 */
export const REJECTION_PATTERNS = {
  badGuid: 'guid',
  notJson: 'json',
} as const;

/** Directory warning reason patterns: the value is dropped, the tenant imported. */
export const WARNING_PATTERNS = {
  freeMailDomain: 'free',
  publicSuffix: 'suffix',
  badContactAddress: 'address',
} as const;

export function generateWorld(opts: WorldOptions = {}): World {
  const s = streamWorld(opts, { keepClusters: true });
  const exposureLines: string[] = [];
  for (const line of s.exposureLines) exposureLines.push(line);
  return {
    tenantLines: s.tenantLines,
    exposureLines,
    csvText: s.csvText,
    operatorDomains: s.operatorDomains,
    truth: s.truth(),
  };
}

export interface WorldStream {
  tenantLines: string[];
  operatorDomains: string[];
  csvText: string;
  /** the data set's lines, generated lazily (memory does not grow with the world) */
  exposureLines: Generator<string, void, undefined>;
  /** the truth; available once exposureLines has been read to the end */
  truth(): WorldTruth;
}

/**
 * The same world as generateWorld, with the data set generated lazily: for benchmarks and
 * the generate-world script (100,000 tenants → about a million lines).
 */
export function streamWorld(opts: WorldOptions = {}, o: { keepClusters?: boolean } = {}): WorldStream {
  const plan = planWorld(opts);
  const keep = o.keepClusters ?? plan.tenants.length <= 5000;
  let truth: WorldTruth | undefined;
  const exposure = new ExposureBuilder(plan, keep);
  const lines = (function* () {
    yield* exposure.run();
    truth = exposure.truth();
  })();
  return {
    tenantLines: plan.directoryLines,
    operatorDomains: plan.operatorDomains,
    csvText: plan.csv.text,
    exposureLines: lines,
    truth() {
      if (!truth) throw new Error('read exposureLines to the end before asking for the truth');
      return truth;
    },
  };
}

/** The data set's lines, lazily; the generator's return value is the truth. */
export function* exposureLineStream(opts: WorldOptions = {}): Generator<string, WorldTruth, undefined> {
  const s = streamWorld(opts, { keepClusters: false });
  yield* s.exposureLines;
  return s.truth();
}

// ───────────────────────────── PRNG ─────────────────────────────

/** mulberry32: small, fast, good enough for fixtures, and deterministic across platforms. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The world's seeded random source; the messy world derives from it too. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += ((this.next() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
  guid(): string {
    const h = this.hex(32);
    const v = '89ab'[this.int(0, 3)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ───────────────────────────── pools ─────────────────────────────

const FIRST_RAW = [
  'Lena',
  'Ana',
  'Björn',
  'Zoë',
  'José',
  'Renée',
  'Jürgen',
  'Chloé',
  'Inés',
  'Marco',
  'Priya',
  'Kenji',
  'Aiko',
  'Olu',
  'Fatima',
  'Tomasz',
  'Ingrid',
  'Mateo',
  'Sofia',
  'Liam',
  'Noah',
  'Emma',
  'Olivia',
  'Ava',
  'Isabella',
  'Lucas',
  'Mila',
  'Elias',
  'Hannah',
  'Felix',
  'Clara',
  'Jonas',
  'Greta',
  'Paul',
  'Frieda',
  'Oskar',
  'Ida',
  'Theo',
  'Nora',
  'Henrik',
  'Astrid',
  'Sven',
  'Karin',
  'Pieter',
  'Sanne',
  'Daan',
  'Femke',
  'Arjun',
  'Meera',
  'Rohan',
  'Divya',
  'Wei',
  'Jun',
  'Mei',
  'Hiro',
  'Yuki',
  'Sora',
  'Chidi',
  'Amara',
  'Kwame',
  'Abena',
  'Omar',
  'Layla',
  'Yusuf',
  'Zainab',
  'Diego',
  'Lucia',
  'Pablo',
  'Carmen',
  'Rafael',
  'Beatriz',
  'Thiago',
  'Camila',
  'Andrei',
  'Irina',
  'Dmitri',
  'Olga',
  'Pavel',
  'Katya',
  'Nikos',
  'Eleni',
  'Giorgos',
  'Ahmet',
  'Elif',
  'Emre',
  'Ayse',
  'Siobhan',
  'Ciaran',
  'Aoife',
  'Niamh',
  'Rhys',
  'Cerys',
  'Gareth',
  'Bronwen',
  'Magnus',
  'Sigrid',
  'Leif',
  'Tove',
  'Aleksander',
  'Zofia',
  'Bartek',
  'Marek',
  'Petra',
  'Lukas',
  'Tereza',
  'Milan',
  'Vesna',
  'Goran',
  'Dragan',
  'Mirela',
  'Tiago',
  'Joana',
  'Rui',
  'Ines',
  'Hugo',
  'Margot',
  'Louis',
  'Manon',
  'Baptiste',
  'Camille',
  'Quentin',
  'Amelie',
  'Gabriel',
  'Valentina',
  'Matteo',
  'Giulia',
  'Lorenzo',
  'Chiara',
  'Ethan',
  'Grace',
  'Owen',
  'Ruby',
  'Caleb',
  'Harper',
  'Isaac',
  'Violet',
  'Wyatt',
  'Hazel',
  'Julian',
  'Aurora',
  'Miles',
  'Stella',
  'Ezra',
  'Naomi',
];
const LAST_RAW = [
  'Horvat',
  'Silva',
  'Costa',
  'Müller',
  'Schröder',
  'García',
  'Núñez',
  'Okafor',
  'Tanaka',
  'Nakamura',
  'Kowalski',
  'Nowak',
  'Andersen',
  'Lindqvist',
  'Johansson',
  'Virtanen',
  'Dubois',
  'Lefèvre',
  'Moreau',
  'Rossi',
  'Bianchi',
  'Esposito',
  'Ferrari',
  'Romano',
  'Becker',
  'Hoffmann',
  'Schulz',
  'Wagner',
  'Weber',
  'Fischer',
  'Krause',
  'Vogel',
  'Jansen',
  'Visser',
  'Bakker',
  'Smit',
  'Mulder',
  'Dekker',
  'Brouwer',
  'Murphy',
  'Kelly',
  'Byrne',
  'Walsh',
  'Ryan',
  'Davies',
  'Evans',
  'Thomas',
  'Roberts',
  'Hughes',
  'Patel',
  'Sharma',
  'Gupta',
  'Iyer',
  'Reddy',
  'Nair',
  'Chen',
  'Wang',
  'Zhang',
  'Huang',
  'Zhou',
  'Sato',
  'Suzuki',
  'Watanabe',
  'Ito',
  'Yamamoto',
  'Kim',
  'Park',
  'Choi',
  'Jung',
  'Kang',
  'Nguyen',
  'Tran',
  'Pham',
  'Hoang',
  'Adeyemi',
  'Mensah',
  'Boateng',
  'Diallo',
  'Haddad',
  'Khalil',
  'Mansour',
  'Farouk',
  'Petrov',
  'Ivanova',
  'Sokolov',
  'Popescu',
  'Ionescu',
  'Dumitru',
  'Papadopoulos',
  'Georgiou',
  'Yilmaz',
  'Demir',
  'Kaya',
  'Şahin',
  'Novak',
  'Horak',
  'Dvorak',
  'Kovacs',
  'Szabo',
  'Toth',
  'Nagy',
  'Horvath',
  'Varga',
  'Molnar',
  'Pereira',
  'Santos',
  'Oliveira',
  'Carvalho',
  'Ramos',
  'Alves',
  'Gomes',
  'Ortega',
  'Delgado',
  'Castillo',
  'Vargas',
  'Morales',
  'Herrera',
  'Medina',
  'Aguilar',
  'Bennett',
  'Crawford',
  'Fletcher',
  'Gallagher',
  'Holloway',
  'Jennings',
  'Lockwood',
  'Merritt',
  'Prescott',
  'Quinlan',
  'Redmond',
  'Sinclair',
  'Thornton',
  'Underwood',
  'Whitaker',
  'Yardley',
  'Abbott',
  'Bramley',
  'Caldwell',
  'Dunmore',
  'Ellison',
  'Fairbanks',
  'Garrick',
  'Hawthorne',
  'Ingram',
  'Kendrick',
  'Langford',
  'Marlowe',
  'Norwood',
  'Oakley',
  'Pemberton',
  'Radcliffe',
  'Stratton',
  'Tolliver',
  'Vickers',
  'Winslow',
  'Brandt',
  'Lindgren',
  'Nyberg',
  'Strand',
  'Halvorsen',
  'Berglund',
  'Eklund',
  'Sandberg',
  'Falk',
  'Gruber',
  'Huber',
  'Pichler',
  'Steiner',
  'Moser',
  'Leitner',
  'Egger',
  'Auer',
  'Wimmer',
  'Brunner',
  'Baumann',
  'Frei',
  'Keller',
  'Meier',
];
// No first name may end another (Ana/Hana) and no last name may start another (Horvat/Horvath):
// then one full name is never a substring of another, so foreign-marker checks stay exact.
const FIRST_NAMES = filterNames(FIRST_RAW, (a, b) => b.endsWith(a));
const LAST_NAMES = filterNames(LAST_RAW, (a, b) => b.startsWith(a));
function filterNames(raw: string[], clash: (a: string, b: string) => boolean): string[] {
  const low = raw.map((n) => n.toLowerCase());
  return raw.filter((n, i) => !low.some((o, j) => j !== i && (o === low[i] ? j < i : clash(low[i]!, o))));
}
const MIDDLE = 'ABCDEFGHJKLMNPRSTVW'.split('');
const FIRST_ASCII = FIRST_NAMES.map((n) =>
  stripMarks(n)
    .toLowerCase()
    .replace(/[^a-z]/g, ''),
);
const LAST_ASCII = LAST_NAMES.map((n) =>
  stripMarks(n)
    .toLowerCase()
    .replace(/[^a-z]/g, ''),
);

const TITLES = [
  'Cloud Solution Architect',
  'Senior Account Manager',
  'Customer Success Manager',
  'Support Engineer',
  'Technical Program Manager',
  'Partner Development Manager',
  'Security Engineer',
  'Service Delivery Lead',
];

const FREE_MAIL = ['gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'gmx.de', 'web.de', 'icloud.com'];

const VERBS = [
  'review',
  'confirm',
  'update',
  'schedule',
  'approve',
  'share',
  'send',
  'check',
  'prepare',
  'finalize',
  'discuss',
  'extend',
  'reduce',
  'move',
  'migrate',
  'test',
  'validate',
  'deploy',
  'monitor',
  'track',
  'document',
  'align',
  'plan',
  'estimate',
  'deliver',
  'complete',
  'pause',
  'resume',
  'escalate',
  'resolve',
  'investigate',
  'provide',
  'request',
  'sign',
  'submit',
  'adjust',
  'rebuild',
  'archive',
  'restore',
  'rotate',
];
const ADJS = [
  'updated',
  'final',
  'initial',
  'revised',
  'current',
  'weekly',
  'monthly',
  'quarterly',
  'annual',
  'critical',
  'minor',
  'major',
  'shared',
  'dedicated',
  'regional',
  'global',
  'internal',
  'external',
  'secure',
  'stable',
  'pending',
  'approved',
  'blocked',
  'urgent',
  'optional',
  'additional',
  'remaining',
  'detailed',
  'draft',
  'signed',
  'legacy',
  'hybrid',
  'managed',
  'isolated',
  'redundant',
  'encrypted',
];
const NOUNS = [
  'migration',
  'workload',
  'subscription',
  'invoice',
  'renewal',
  'contract',
  'license',
  'deployment',
  'cluster',
  'database',
  'storage',
  'backup',
  'network',
  'firewall',
  'gateway',
  'latency',
  'throughput',
  'capacity',
  'forecast',
  'budget',
  'quote',
  'discount',
  'pricing',
  'timeline',
  'milestone',
  'rollout',
  'pilot',
  'workshop',
  'architecture',
  'assessment',
  'roadmap',
  'proposal',
  'agreement',
  'amendment',
  'agenda',
  'summary',
  'escalation',
  'incident',
  'ticket',
  'outage',
  'maintenance',
  'upgrade',
  'patch',
  'release',
  'feature',
  'region',
  'datacenter',
  'replica',
  'failover',
  'recovery',
  'retention',
  'archive',
  'compliance',
  'audit',
  'policy',
  'identity',
  'directory',
  'mailbox',
  'dashboard',
  'report',
  'metrics',
  'usage',
  'consumption',
  'payment',
  'credit',
  'purchase',
  'reseller',
  'vendor',
  'supplier',
  'sponsor',
  'stakeholder',
  'portal',
  'integration',
  'connector',
  'pipeline',
  'batch',
  'queue',
  'notification',
  'alert',
  'threshold',
  'quota',
  'instance',
  'node',
  'container',
  'registry',
  'cache',
  'index',
  'schema',
  'export',
  'sync',
  'bandwidth',
  'endpoint',
  'certificate',
  'vault',
  'secret',
  'encryption',
  'permission',
  'session',
  'device',
  'laptop',
  'branch',
  'warehouse',
  'factory',
  'clinic',
  'campus',
  'fleet',
  'shipment',
  'inventory',
  'catalog',
  'cutover',
  'runbook',
  'baseline',
  'snapshot',
  'tenant',
  'sandbox',
  'gateway',
  'appliance',
  'firmware',
  'telemetry',
  'workflow',
  'handover',
  'checklist',
  'invoice',
  'ledger',
];
const ROLES_TXT = [
  'architect',
  'engineer',
  'account manager',
  'project lead',
  'security team',
  'finance team',
  'service desk',
  'network team',
];
const TIMES = [
  'by Friday',
  'next week',
  'before the cutover',
  'this quarter',
  'by end of month',
  'after the freeze',
  'on Monday',
  'tomorrow morning',
  'in the next sprint',
  'before the renewal',
  'after the workshop',
  'by Thursday noon',
  'within two weeks',
  'before the audit',
];
const STATES = ['on track', 'delayed', 'blocked', 'ready', 'pending approval', 'complete', 'at risk', 'scheduled'];
const AZ_REGIONS = [
  'West Europe',
  'North Europe',
  'East US',
  'West US',
  'UK South',
  'Germany West Central',
  'France Central',
  'Australia East',
];
const PREPS = ['for', 'with', 'after', 'before', 'across', 'during', 'within'];

const DOC_TYPES = [
  'SOW',
  'Architecture_Review',
  'Migration_Plan',
  'Invoice',
  'Quote',
  'Network_Diagram',
  'Security_Assessment',
  'Contract',
  'Backup_Policy',
  'Capacity_Forecast',
  'Runbook',
  'Cost_Estimate',
  'Onboarding_Checklist',
];
const EXTS = ['pdf', 'docx', 'xlsx', 'pptx', 'vsdx'];

const SYL = [
  'bren',
  'vik',
  'tal',
  'or',
  'ra',
  'kel',
  'dor',
  'mi',
  'san',
  'zen',
  'qua',
  'lis',
  'ver',
  'nor',
  'gar',
  'tis',
  'ol',
  'an',
  'cor',
  'fel',
  'mar',
  'win',
  'ston',
  'ley',
  'tor',
  'dal',
  'rin',
  'vel',
  'sor',
  'kar',
  'nel',
  'bel',
  'tru',
  'pax',
  'ori',
  'lum',
  'nex',
  'vo',
  'ar',
  'el',
  'jun',
  'ho',
  'pe',
  'ryn',
  'sil',
  'tam',
  'ud',
  'ya',
  'zor',
  'bri',
];
const SYL_UMLAUT = ['grün', 'möl', 'bäck', 'schrö', 'kühn', 'bär', 'wöl', 'fü', 'hö', 'lä'];
const INDUSTRY_EN = [
  'Logistics',
  'Capital',
  'Health',
  'Software',
  'Energy',
  'Foods',
  'Consulting',
  'Robotics',
  'Media',
  'Pharma',
  'Textiles',
  'Insurance',
  'Analytics',
  'Systems',
  'Mobility',
  'Partners',
  'Biotech',
  'Aerospace',
  'Retail',
  'Engineering',
];
const INDUSTRY_DE = [
  'Logistik',
  'Maschinenbau',
  'Versicherung',
  'Immobilien',
  'Anlagenbau',
  'Werkzeuge',
  'Elektrotechnik',
  'Medizintechnik',
];
const DEPTS = [
  ['labs', 'Labs'],
  ['research', 'Research'],
  ['eu', 'Europe'],
  ['shop', 'Retail'],
  ['cloud', 'Cloud Services'],
  ['digital', 'Digital'],
] as const;
const NOISE_COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Stark',
  'Wayne',
  'Tyrell',
];
const LEGAL_TOKENS = new Set([
  'ltd',
  'limited',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'gmbh',
  'ag',
  'sa',
  'sas',
  'sarl',
  'bv',
  'nv',
  'llc',
  'llp',
  'plc',
  'kg',
  'ohg',
  'ug',
  'srl',
  'spa',
  'pty',
  'ab',
  'as',
  'oy',
  'lp',
  'se',
]);

type CountryCode = 'US' | 'GB' | 'DE' | 'FR' | 'NL';
const COUNTRIES: Record<CountryCode, { tld: string; legal: string[]; locale: string }> = {
  US: { tld: 'com', legal: ['Inc.', 'LLC', 'Corp.'], locale: 'en-US' },
  GB: { tld: 'co.uk', legal: ['Ltd', 'plc', 'Limited'], locale: 'en-US' },
  DE: { tld: 'de', legal: ['GmbH', 'AG'], locale: 'de-DE' },
  FR: { tld: 'fr', legal: ['SAS', 'S.A.'], locale: 'en-US' },
  NL: { tld: 'nl', legal: ['B.V.'], locale: 'en-US' },
};
const COUNTRY_LIST: CountryCode[] = ['US', 'US', 'US', 'GB', 'DE', 'DE', 'FR', 'NL'];

// ───────────────────────────── refs ─────────────────────────────

/** An address as written, with its normalized form (null: not an address, never counted). */
interface Addr {
  shown: string;
  canon: string | null;
  local: string;
  /** domain as written (Unicode for IDN) */
  domain: string;
}
interface Phone {
  e164: string | null;
  shown: string;
}
interface Person {
  name: string;
  first: string;
  email?: Addr;
  phone?: Phone;
}
interface FileRef {
  name: string;
  sha?: string;
}
interface Tenant {
  idx: number;
  id: string;
  name: string;
  aliases: string[];
  /** as written in the directory line */
  domainsWritten: string[];
  /** Unicode, lower-case: used to write addresses */
  domains: string[];
  country: CountryCode;
  phones: Phone[];
  contacts: { person: Person; roles: string[]; locale?: string }[];
  /** people with an address on the tenant's verified domains, used in the data set */
  staff: Person[];
  role: CaseKey;
  why: string;
  fileSlug: string;
  project: string;
  /** the other tenant of a shared / conflict pair */
  partner?: Tenant;
  /** set on the first tenant of a pair, which emits the pair's records */
  leadsPair?: 'shared' | 'conflict' | 'conflict-clean';
  /** company string written in a company-only record */
  companyWritten?: string;
  /** free-mail contact address of freemail roles */
  freeContact?: Person;
}

// ───────────────────────────── small helpers ─────────────────────────────

function stripMarks(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}
function asciiLower(s: string): string {
  return stripMarks(s)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
/** Deliberately coarser than any reasonable company-name normalization: no two tenants may meet. */
function coarseCompany(s: string): string {
  const toks = stripMarks(s)
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[.'’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((t) => t && !LEGAL_TOKENS.has(t));
  return toks.join('');
}
function foldName(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}
function asciiDomain(d: string): string {
  return domainToASCII(d.normalize('NFKC').toLowerCase());
}
/** Cases whose trace is in free text or involves an outsider: left out of worlds under 40 tenants. */
const TEXT_CASES = new Set<CaseKey>([CASES.textAddress, CASES.textPhone, CASES.outsiderFile]);

/** An organization outside the directory that shares a thread with a tenant. */
const OUTSIDE_DOMAIN = 'outside-counsel.net';

function mkAddr(local: string, domain: string): Addr {
  return { shown: `${local}@${domain}`, canon: `${local.toLowerCase()}@${asciiDomain(domain)}`, local, domain };
}
function personKey(p: Person): string {
  if (p.email?.canon) return `email:${p.email.canon}`;
  if (p.phone?.e164) return `name:${foldName(p.name)}|${p.phone.e164}`;
  return `name:${foldName(p.name)}`;
}
function fileKey(f: FileRef): string {
  return f.sha ? `sha256:${f.sha}` : `name:${foldName(f.name)}`;
}
function wordCount(s: string): number {
  // hot path: count runs of non-whitespace without allocating
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ws = c === 32 || c === 10 || c === 13 || c === 9 || c === 0xa0;
    if (!ws && !inWord) n++;
    inWord = !ws;
  }
  return n;
}
const FULLWIDTH = (s: string) => s.replace(/[a-z]/g, (c) => String.fromCharCode(0xff41 + c.charCodeAt(0) - 97));

const DAY = 86_400_000;
const EPOCH = Date.UTC(2022, 4, 2, 8, 0, 0);
function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
function headerDate(ms: number): string {
  const d = new Date(ms);
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mo = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${wd}, ${d.getUTCDate()} ${mo} ${d.getUTCFullYear()} ${hh}:${mm}`;
}

// ───────────────────────────── phones ─────────────────────────────

const US_NPA = ['212', '646', '415', '206', '312', '617', '425', '512', '303', '404', '305', '702'];
function makePhone(rng: Rng, c: CountryCode): { digits: string; cc: string; parts: string[] } {
  switch (c) {
    case 'US': {
      let nxx: string;
      do nxx = String(rng.int(2, 9)) + rng.digits(2);
      while (nxx === '555' || nxx.endsWith('11'));
      const npa = rng.pick(US_NPA);
      const line = rng.digits(4);
      return { cc: '1', digits: npa + nxx + line, parts: [npa, nxx, line] };
    }
    case 'DE': {
      const area = rng.pick(['30', '89', '40', '69']);
      const sub = String(rng.int(2, 9)) + rng.digits(7);
      return { cc: '49', digits: area + sub, parts: [area, sub.slice(0, 4), sub.slice(4)] };
    }
    case 'GB': {
      const a = rng.pick(['7', '3']) + rng.digits(3);
      const b = rng.digits(4);
      return { cc: '44', digits: '20' + a + b, parts: ['20', a, b] };
    }
    case 'FR': {
      const rest = rng.digits(8);
      return {
        cc: '33',
        digits: '1' + rest,
        parts: ['1', rest.slice(0, 2), rest.slice(2, 4), rest.slice(4, 6), rest.slice(6)],
      };
    }
    case 'NL': {
      const a = String(rng.int(2, 9)) + rng.digits(2);
      const b = rng.digits(4);
      return { cc: '31', digits: '20' + a + b, parts: ['20', a, b] };
    }
  }
}
function showPhone(rng: Rng, p: { digits: string; cc: string; parts: string[] }, style?: number): string {
  const s = style ?? rng.int(0, 3);
  if (s === 0) return `+${p.cc} ${p.parts.join(' ')}`;
  if (s === 1) return `+${p.cc}${p.digits}`;
  if (s === 2 && p.cc === '1') return `+1 (${p.parts[0]}) ${p.parts[1]}-${p.parts[2]}`;
  return `+${p.cc}-${p.parts.join('-')}`;
}

// ───────────────────────────── text ─────────────────────────────

function sentence(rng: Rng): string {
  const n = () => rng.pick(NOUNS);
  const v = () => rng.pick(VERBS);
  const a = () => rng.pick(ADJS);
  switch (rng.int(0, 8)) {
    case 0:
      return `We will ${v()} the ${a()} ${n()} ${rng.pick(PREPS)} the ${n()} ${rng.pick(TIMES)}.`;
    case 1:
      return `Could you ${v()} the ${n()} ${n()} ${rng.pick(TIMES)}?`;
    case 2:
      return `The ${n()} ${n()} is ${rng.pick(STATES)} ${rng.pick(PREPS)} ${rng.pick(AZ_REGIONS)}.`;
    case 3:
      return `Please ${v()} the ${a()} ${n()} and ${v()} the ${n()} ${rng.pick(TIMES)}.`;
    case 4:
      return `Our ${rng.pick(ROLES_TXT)} will ${v()} the ${n()} ${n()} with your ${rng.pick(ROLES_TXT)}.`;
    case 5:
      return `I attached the ${a()} ${n()} ${n()} for ${rng.pick(AZ_REGIONS)}.`;
    case 6:
      return `${rng.int(2, 950)} ${n()} items are ${rng.pick(STATES)} ${rng.pick(PREPS)} the ${a()} ${n()}.`;
    case 7:
      return `Let us ${v()} the ${n()} ${rng.pick(PREPS)} ${rng.int(2, 60)} ${n()} units ${rng.pick(TIMES)}.`;
    default:
      return `Thanks for the ${a()} ${n()}, we still need to ${v()} the ${n()} ${n()}.`;
  }
}

/** A message text of min..max words: optional greeting line, then lines of 1–2 sentences. */
function messageText(rng: Rng, greet: string | null, min: number, max: number): string {
  const lines: string[] = [];
  let words = 0;
  if (greet) {
    lines.push(`${rng.pick(['Hello', 'Hi', 'Dear'])} ${greet},`);
    words += wordCount(greet) + 1;
  }
  const target = rng.int(min, max);
  while (words < target) {
    let line = sentence(rng);
    if (rng.chance(0.5)) line += ' ' + sentence(rng);
    const w = wordCount(line);
    if (words + w > max && words >= min) break;
    if (words + w > max) {
      // one short sentence to land inside [min, max]
      line = `Please ${rng.pick(VERBS)} the ${rng.pick(NOUNS)}.`;
    }
    lines.push(line);
    words += wordCount(line);
  }
  return lines.join('\n');
}

// ───────────────────────────── the plan: directory, operator, csv ─────────────────────────────

interface Plan {
  seed: number;
  garbage: boolean;
  operatorDomains: string[];
  staff: Person[];
  operatorMailboxes: Addr[];
  tenants: Tenant[];
  directoryLines: string[];
  rejected: { line: number; reasonPattern: string }[];
  warned: { line: number; field: string; reasonPattern: string }[];
  conflicts: { line: number; domain: string }[];
  /** tenants of the directory's defective lines that are imported all the same */
  importedDefective: { id: string; why: string }[];
  csv: { text: string; truth: CsvTruth };
  names: NameSpace;
  logo: FileRef;
}

/** Uniqueness of everything that identifies someone, across the whole world. */
class NameSpace {
  readonly people: Set<string>;
  readonly companies: Set<string>;
  readonly domains: Set<string>;
  readonly phones: Set<string>;
  readonly locals: Set<string>;
  constructor(
    readonly rng: Rng,
    share?: NameSpace,
  ) {
    this.people = share?.people ?? new Set();
    this.companies = share?.companies ?? new Set();
    this.domains = share?.domains ?? new Set();
    this.phones = share?.phones ?? new Set();
    this.locals = share?.locals ?? new Set();
  }

  personName(): { name: string; first: string; local: string } {
    for (let attempt = 0; ; attempt++) {
      const fi = Math.floor(this.rng.next() * FIRST_NAMES.length);
      const li = Math.floor(this.rng.next() * LAST_NAMES.length);
      // crowded worlds need middle initials, two of them once one is not enough (100,000 tenants)
      const fill = this.people.size / (FIRST_NAMES.length * LAST_NAMES.length);
      const level = Math.min(2, attempt + (fill < 0.4 ? 0 : fill < 0.4 * MIDDLE.length ? 1 : 2));
      const mids =
        level === 2
          ? [this.rng.pick(MIDDLE), this.rng.pick(MIDDLE)]
          : level === 1 || this.rng.chance(0.1)
            ? [this.rng.pick(MIDDLE)]
            : [];
      // the ASCII local part doubles as the uniqueness key ("Inés" and "Ines" are one name)
      const local = [FIRST_ASCII[fi]!, ...mids.map((m) => m.toLowerCase()), LAST_ASCII[li]!].join('.');
      if (this.people.has(local)) continue;
      this.people.add(local);
      const first = FIRST_NAMES[fi]!;
      return { name: [first, ...mids.map((m) => `${m}.`), LAST_NAMES[li]!].join(' '), first, local };
    }
  }
  phone(c: CountryCode, style?: number): Phone {
    for (;;) {
      const p = makePhone(this.rng, c);
      const e164 = `+${p.cc}${p.digits}`;
      if (this.phones.has(e164)) continue;
      this.phones.add(e164);
      return { e164, shown: showPhone(this.rng, p, style) };
    }
  }
  /** a person at a corporate domain, optionally with a phone */
  person(domain: string, c: CountryCode, withPhone = this.rng.chance(0.6)): Person {
    const n = this.personName();
    return {
      name: n.name,
      first: n.first,
      email: mkAddr(n.local, domain),
      phone: withPhone ? this.phone(c) : undefined,
    };
  }
  /** a person on a free-mail provider (unique local part + digits) */
  freePerson(c: CountryCode, provider?: string, withPhone = this.rng.chance(0.4)): Person {
    const n = this.personName();
    for (;;) {
      const local = `${n.local}${this.rng.int(1950, 2005)}`;
      if (this.locals.has(local)) continue;
      this.locals.add(local);
      return {
        name: n.name,
        first: n.first,
        email: mkAddr(local, provider ?? this.rng.pick(FREE_MAIL)),
        phone: withPhone ? this.phone(c) : undefined,
      };
    }
  }
  claimCompany(...names: string[]): boolean {
    const keys = names.map(coarseCompany);
    if (keys.some((k) => !k || this.companies.has(k))) return false;
    keys.forEach((k) => this.companies.add(k));
    return true;
  }
  claimDomain(d: string): boolean {
    const a = asciiDomain(d);
    if (this.domains.has(a)) return false;
    this.domains.add(a);
    return true;
  }
}

interface TenantSpec {
  name: string;
  aliases?: string[];
  domains: string[];
  domainsWritten?: string[];
  country: CountryCode;
  role: CaseKey;
  why: string;
  phones?: number;
  fileSlug: string;
  freeMailContact?: boolean;
}

function makeTenant(ns: NameSpace, idx: number, s: TenantSpec): Tenant {
  const rng = ns.rng;
  const domains = s.domains.map((d) => d.toLowerCase());
  const t: Tenant = {
    idx,
    id: rng.guid(),
    name: s.name,
    aliases: s.aliases ?? [],
    domainsWritten: s.domainsWritten ?? s.domains,
    domains,
    country: s.country,
    phones: [],
    contacts: [],
    staff: [],
    role: s.role,
    why: `${s.role}: ${s.why}`,
    fileSlug: s.fileSlug,
    project: `PRJ-${rng.digits(6)}`,
  };
  const nPhones = s.phones ?? rng.int(0, 2);
  for (let i = 0; i < nPhones; i++) t.phones.push(ns.phone(s.country, 0));
  const nContacts = rng.int(1, 3);
  const locale = COUNTRIES[s.country].locale;
  for (let i = 0; i < nContacts; i++) {
    const p = ns.person(rng.pick(domains), s.country);
    const roles = i === 0 ? (rng.chance(0.3) ? ['GlobalAdmin', 'PrivacyReader'] : ['GlobalAdmin']) : pickRoles(rng);
    t.contacts.push({ person: p, roles, locale: rng.chance(0.8) ? locale : undefined });
    t.staff.push(p);
  }
  if (s.freeMailContact) {
    const p = ns.freePerson(s.country, 'gmail.com');
    t.contacts.push({ person: p, roles: ['GlobalAdmin'], locale: rng.chance(0.5) ? locale : undefined });
    t.freeContact = p;
  }
  const nEmployees = rng.int(1, 2);
  for (let i = 0; i < nEmployees; i++) t.staff.push(ns.person(rng.pick(domains), s.country));
  return t;
}
function pickRoles(rng: Rng): string[] {
  const r = ['PrivacyReader', 'MessageCenterReader', 'BillingAdmin'].filter(() => rng.chance(0.5));
  return r.length ? r : [rng.pick(['PrivacyReader', 'MessageCenterReader', 'BillingAdmin'])];
}

function directoryLine(t: Tenant): string {
  const o: Record<string, unknown> = { tenantId: t.id, name: t.name };
  if (t.aliases.length) o.aliases = t.aliases;
  o.domains = t.domainsWritten;
  if (t.phones.length) o.phones = t.phones.map((p) => p.shown);
  o.contacts = t.contacts.map((c) => {
    const x: Record<string, unknown> = { email: c.person.email!.shown, name: c.person.name, roles: c.roles };
    if (c.locale) x.locale = c.locale;
    return x;
  });
  return JSON.stringify(o);
}

/** The hand-written tenants: every attribution case at least once. Grouped so pairs stay whole. */
function classicGroups(): TenantSpec[][] {
  return [
    [
      {
        name: 'Contoso Ltd',
        aliases: ['Contoso'],
        domains: ['contoso.com'],
        country: 'US',
        role: CASES.parentLookalike,
        fileSlug: 'Contoso',
        why: 'only look-alike (notcontoso.com, contoso.com.secure-login.io) and homograph (cоntoso.com) addresses; its subdomain labs.contoso.com belongs to another tenant',
      },
      {
        name: 'Contoso Labs Inc.',
        domains: ['labs.contoso.com'],
        country: 'US',
        role: CASES.subdomainTenant,
        fileSlug: 'ContosoLabs',
        why: 'addresses on labs.contoso.com (and eu.labs.contoso.com), a subdomain it verified while contoso.com is another tenant',
      },
    ],
    [
      {
        name: 'Fabrikam Capital Corp.',
        aliases: ['Fabrikam Capital'],
        domains: ['fabrikamcapital.de', 'fabrikamcapital.com'],
        domainsWritten: ['FabrikamCapital.de', 'fabrikamcapital.com'],
        country: 'DE',
        role: CASES.verifiedDomain,
        fileSlug: 'Fabrikam',
        why: 'addresses on its verified domains in to/cc/from',
      },
    ],
    [
      {
        name: 'Bücher Müller GmbH',
        aliases: ['Bücher Müller'],
        domains: ['bücher-müller.de'],
        country: 'DE',
        role: CASES.idnDomain,
        fileSlug: 'BuecherMueller',
        why: 'addresses on its IDN domain bücher-müller.de, written in Unicode, punycode, upper case and NFD',
      },
    ],
    [
      {
        name: 'Tailwind Traders Inc.',
        domains: ['tailwindtraders.com'],
        country: 'US',
        role: CASES.freemailContact,
        fileSlug: 'Tailwind',
        freeMailContact: true,
        why: 'its contact writes from a gmail.com address listed in the directory',
      },
    ],
    [
      {
        name: "Margie's Travel LLC",
        domains: ['margiestravel.com'],
        country: 'US',
        role: CASES.freemailNonContact,
        fileSlug: 'MargiesTravel',
        freeMailContact: true,
        why: "the data set has its contact's local part on another free-mail provider, which is not a directory contact",
      },
    ],
    [
      {
        name: 'Relecloud Inc.',
        domains: ['relecloud.com'],
        country: 'US',
        role: CASES.tenantId,
        fileSlug: 'Relecloud',
        why: 'its tenantId in tenantIds of operator-internal records',
      },
    ],
    [
      {
        name: 'Tailspin Toys Ltd',
        domains: ['tailspintoys.co.uk'],
        country: 'GB',
        role: CASES.companyName,
        fileSlug: 'Tailspin',
        why: 'only its company name (as TAILSPIN TOYS LTD.) in an internal record, no strong signal',
      },
    ],
    [
      {
        name: 'Adventure Works Cycles Inc.',
        aliases: ['AdventureWorks'],
        domains: ['adventure-works.com'],
        country: 'US',
        role: CASES.companyAlias,
        fileSlug: 'AdventureWorks',
        why: 'only its alias AdventureWorks in a project record, no strong signal',
      },
    ],
    [
      {
        name: 'Northwind Traders Inc.',
        domains: ['northwindtraders.com'],
        country: 'US',
        role: CASES.companyShared,
        fileSlug: 'NorthwindUS',
        why: 'only the company name Northwind Traders, which two tenants share',
      },
      {
        name: 'Northwind Traders GmbH',
        domains: ['northwind-traders.de'],
        country: 'DE',
        role: CASES.companyShared,
        fileSlug: 'NorthwindDE',
        why: 'only the company name Northwind Traders, which two tenants share',
      },
    ],
    [
      {
        name: 'Litware, Inc.',
        domains: ['litware.com'],
        country: 'US',
        role: CASES.phoneOnly,
        fileSlug: 'Litware',
        phones: 1,
        why: 'only its directory phone number (written in another format) in a contact record',
      },
    ],
    [
      {
        name: 'Alpine Ski House AG',
        domains: ['alpineskihouse.de'],
        country: 'DE',
        role: CASES.conflict,
        fileSlug: 'AlpineSkiHouse',
        why: "tenantIds names it but the only customer address is on Coho Winery's verified domain",
      },
      {
        name: 'Coho Winery Inc.',
        domains: ['cohowinery.com'],
        country: 'US',
        role: CASES.conflict,
        fileSlug: 'CohoWinery',
        why: 'its verified domain is the only customer address of a record whose tenantIds names Alpine Ski House',
      },
    ],
    [
      {
        name: 'Blue Yonder Airlines Inc.',
        domains: ['blueyonderairlines.com'],
        country: 'US',
        role: CASES.conflictCleanElsewhere,
        fileSlug: 'BlueYonder',
        why: "clean verified-domain records, plus a record whose tenantIds names it while the only customer address is Lucerne Publishing's",
      },
      {
        name: 'Lucerne Publishing Ltd',
        domains: ['lucernepublishing.co.uk'],
        country: 'GB',
        role: CASES.conflict,
        fileSlug: 'Lucerne',
        why: 'its verified domain is the only customer address of a record whose tenantIds names Blue Yonder Airlines',
      },
    ],
    [
      {
        name: 'Trey Research Inc.',
        domains: ['treyresearch.com'],
        country: 'US',
        role: CASES.sharedPartner,
        fileSlug: 'TreyResearch',
        why: 'partner in a thread shared with Wide World Importers, plus its own records',
      },
      {
        name: 'Wide World Importers Ltd',
        aliases: ['Wide World Importers'],
        domains: ['wideworldimporters.co.uk'],
        country: 'GB',
        role: CASES.sharedCustomer,
        fileSlug: 'WideWorld',
        why: 'customer in a thread shared with Trey Research, plus its own records',
      },
    ],
    [
      {
        name: 'Woodgrove Bank plc',
        aliases: ['Woodgrove Bank'],
        domains: ['woodgrovebank.co.uk'],
        country: 'GB',
        role: CASES.bodyMention,
        fileSlug: 'Woodgrove',
        why: 'named only in the body text of an operator-internal thread',
      },
    ],
    [
      {
        name: 'Consolidated Messenger Inc.',
        domains: ['consolidatedmessenger.com'],
        country: 'US',
        role: CASES.textAddress,
        fileSlug: 'ConsolidatedMessenger',
        why: 'its person appears only in the text of operator-internal mail: a sentence of a body and the From: line of a forward',
      },
    ],
    [
      {
        name: 'Southridge Video Ltd',
        domains: ['southridgevideo.co.uk'],
        country: 'GB',
        role: CASES.textPhone,
        fileSlug: 'Southridge',
        phones: 1,
        why: 'only its phone number, written in the body of an operator-internal email',
      },
    ],
    [
      {
        name: 'VanArsdel Ltd',
        domains: ['vanarsdel.com'],
        country: 'US',
        role: CASES.outsiderFile,
        fileSlug: 'VanArsdel',
        why: 'its own records, and a thread with an organization outside the directory whose files are withheld by name',
      },
    ],
    [
      {
        name: 'Proseware, Inc.',
        domains: ['proseware.com'],
        country: 'US',
        role: CASES.quarantineOnly,
        fileSlug: 'Proseware',
        why: 'its addresses appear only in quarantined lines',
      },
    ],
    [
      {
        name: 'Fourth Coffee Inc.',
        domains: ['fourthcoffee.com'],
        country: 'US',
        role: CASES.notMentioned,
        fileSlug: 'FourthCoffee',
        why: 'not in the data set',
      },
    ],
  ];
}

type GenRole =
  | 'verified'
  | 'subsidiary'
  | 'sharedPair'
  | 'tenantId'
  | 'freemailContact'
  | 'phoneOnly'
  | 'companyName'
  | 'conflictPair'
  | 'companySharedPair'
  | 'freemailNonContact'
  | 'none';

function planWorld(opts: WorldOptions): Plan {
  const seed = opts.seed ?? 1;
  const total = Math.max(1, Math.floor(opts.tenants ?? 60));
  const garbage = opts.garbage ?? true;
  const opDomain = (opts.operatorDomain ?? 'cloudprovider.com').toLowerCase();
  const opLabel = opDomain.split('.')[0]!;
  const operatorDomains = [opDomain, `${opLabel}-support.com`];
  const rng = new Rng(seed);
  const ns = new NameSpace(rng);

  // reserve what no tenant may have
  for (const d of [
    ...FREE_MAIL,
    ...operatorDomains,
    'notcontoso.com',
    'secure-login.io',
    'example.org',
    OUTSIDE_DOMAIN,
  ])
    ns.claimDomain(d);
  for (const w of NOISE_COMPANY_WORDS) ns.companies.add(coarseCompany(`${w} Consulting`));

  const staff: Person[] = [];
  for (let i = 0; i < 12; i++) staff.push(ns.person(opDomain, 'US', rng.chance(0.5)));
  const operatorMailboxes = [
    mkAddr('support', operatorDomains[1]!),
    mkAddr('noreply', opDomain),
    mkAddr('billing', opDomain),
    mkAddr('archive', opDomain),
  ];

  const tenants: Tenant[] = [];
  const parents: Tenant[] = []; // generated tenants whose first domain can take a subdomain tenant
  const add = (s: TenantSpec) => {
    s.domains.forEach((d) => {
      if (!ns.claimDomain(d)) throw new Error(`fixture bug: domain ${d} twice`);
    });
    ns.claimCompany(s.name, ...(s.aliases ?? []));
    const t = makeTenant(ns, tenants.length, s);
    tenants.push(t);
    return t;
  };

  // classic groups while they fit
  for (const g of classicGroups()) {
    if (tenants.length + g.length > total) continue;
    // the text cases only where there is room: a small world keeps its verified tenants
    if (TEXT_CASES.has(g[0]!.role) && total < 40) continue;
    const ts = g.map(add);
    if (ts.length === 2) {
      ts[0]!.partner = ts[1];
      ts[1]!.partner = ts[0];
      const r = ts[0]!.role;
      ts[0]!.leadsPair =
        r === CASES.sharedPartner
          ? 'shared'
          : r === CASES.conflict
            ? 'conflict'
            : r === CASES.conflictCleanElsewhere
              ? 'conflict-clean'
              : undefined;
    }
    if (g[0]!.role === CASES.companyName) ts[0]!.companyWritten = 'TAILSPIN TOYS LTD.';
    if (g[0]!.role === CASES.companyAlias) ts[0]!.companyWritten = 'AdventureWorks';
    if (g[0]!.role === CASES.companyShared) ts.forEach((t) => (t.companyWritten = 'Northwind Traders'));
    if (g[0]!.role === CASES.quarantineOnly && !garbage) {
      ts[0]!.role = CASES.notMentioned;
      ts[0]!.why = `${CASES.notMentioned}: not in the data set (clean world: no quarantined lines)`;
    }
  }
  const labs = tenants.find((t) => t.domains[0] === 'labs.contoso.com');
  // a person one label deeper: the longest verified domain (labs.contoso.com) wins
  if (labs) labs.staff.unshift(ns.person('eu.labs.contoso.com', 'US', true));

  // generated tenants, role quotas as fractions of the generated count
  const g = total - tenants.length;
  const roles: GenRole[] = [];
  const quota = (r: GenRole, n: number) => {
    for (let i = 0; i < n; i++) roles.push(r);
  };
  quota('verified', Math.round(g * 0.3));
  quota('subsidiary', Math.round(g * 0.02));
  quota('sharedPair', Math.floor(g * 0.01));
  quota('tenantId', Math.round(g * 0.01));
  quota('freemailContact', Math.round(g * 0.01));
  quota('phoneOnly', Math.round(g * 0.005));
  quota('companyName', Math.round(g * 0.005));
  quota('conflictPair', Math.floor(g * 0.0025));
  quota('companySharedPair', Math.floor(g * 0.0025));
  quota('freemailNonContact', Math.round(g * 0.005));
  let used = roles.reduce((n, r) => n + (r.endsWith('Pair') ? 2 : 1), 0);
  while (used > g) {
    const r = roles.pop()!;
    used -= r.endsWith('Pair') ? 2 : 1;
  }
  quota('none', g - used);
  rng.shuffle(roles);

  const genCompany = (country: CountryCode, idn: boolean): { brand: string; industry: string; legal: string } => {
    for (;;) {
      const syl = [rng.pick(idn ? SYL_UMLAUT : SYL), rng.pick(SYL)];
      if (rng.chance(0.5)) syl.push(rng.pick(SYL));
      const brand = cap(syl.join(''));
      const industry = rng.pick(country === 'DE' && rng.chance(0.6) ? INDUSTRY_DE : INDUSTRY_EN);
      const legal = rng.pick(COUNTRIES[country].legal);
      if (!ns.companies.has(coarseCompany(`${brand} ${industry}`))) return { brand, industry, legal };
    }
  };
  const genSpec = (role: CaseKey, why: string, over: Partial<TenantSpec> = {}): TenantSpec => {
    for (;;) {
      const country = rng.pick(COUNTRY_LIST);
      const idn = country === 'DE' && rng.chance(0.3);
      const c = genCompany(country, idn);
      const slug = idn ? `${c.brand.toLowerCase()}-${c.industry.toLowerCase()}` : asciiLower(`${c.brand}${c.industry}`);
      const domains = [`${slug}.${COUNTRIES[country].tld}`];
      if (rng.chance(0.25))
        domains.push(`${asciiLower(`${c.brand}${c.industry}`)}.${country === 'US' ? 'net' : 'com'}`);
      if (domains.some((d) => ns.domains.has(asciiDomain(d)))) continue;
      const aliases = rng.chance(0.4) ? [`${c.brand} ${c.industry}`] : [];
      const domainsWritten = domains.map((d) =>
        idn && rng.chance(0.15) ? asciiDomain(d) : rng.chance(0.08) ? d.replace(/^./, (x) => x.toUpperCase()) : d,
      );
      return {
        name: `${c.brand} ${c.industry} ${c.legal}`,
        aliases,
        domains,
        domainsWritten,
        country,
        role: idn && role === CASES.verifiedDomain ? CASES.idnDomain : role,
        why: idn && role === CASES.verifiedDomain ? 'addresses on its IDN verified domain' : why,
        fileSlug: asciiLower(c.brand).replace(/^./, (x) => x.toUpperCase()) + c.industry.replace(/[^A-Za-z]/g, ''),
        ...over,
      };
    }
  };

  for (const r of roles) {
    switch (r) {
      case 'verified': {
        const t = add(genSpec(CASES.verifiedDomain, 'addresses on its verified domains in to/cc/from'));
        if (/^[a-z0-9.-]+$/.test(t.domains[0]!)) parents.push(t);
        break;
      }
      case 'subsidiary': {
        if (!parents.length) {
          add(genSpec(CASES.verifiedDomain, 'addresses on its verified domains in to/cc/from'));
          break;
        }
        const parent = rng.pick(parents);
        const [sub, label] = rng.pick(DEPTS);
        const base = parent.aliases[0] ?? parent.name.replace(/\s+\S+$/, '');
        const name = `${base} ${label} ${rng.pick(COUNTRIES[parent.country].legal)}`;
        const d = `${sub}.${parent.domains[0]}`;
        if (ns.domains.has(asciiDomain(d)) || ns.companies.has(coarseCompany(name))) {
          add(genSpec(CASES.verifiedDomain, 'addresses on its verified domains in to/cc/from'));
          break;
        }
        add({
          name,
          domains: [d],
          country: parent.country,
          role: CASES.subdomainTenant,
          fileSlug: parent.fileSlug + cap(sub),
          why: `addresses on ${d}, a subdomain of another tenant's ${parent.domains[0]}`,
        });
        break;
      }
      case 'sharedPair': {
        const p = add(genSpec(CASES.sharedPartner, 'partner in a shared thread, plus its own records'));
        const c = add(genSpec(CASES.sharedCustomer, 'customer in a shared thread, plus its own records'));
        p.partner = c;
        c.partner = p;
        p.leadsPair = 'shared';
        break;
      }
      case 'tenantId':
        add(genSpec(CASES.tenantId, 'its tenantId in tenantIds of operator-internal records'));
        break;
      case 'freemailContact':
        add(
          genSpec(CASES.freemailContact, 'its contact writes from a free-mail address listed in the directory', {
            freeMailContact: true,
          }),
        );
        break;
      case 'freemailNonContact':
        add(
          genSpec(CASES.freemailNonContact, "its contact's local part appears on another free-mail provider only", {
            freeMailContact: true,
          }),
        );
        break;
      case 'phoneOnly':
        add(genSpec(CASES.phoneOnly, 'only its directory phone number in a contact record', { phones: rng.int(1, 2) }));
        break;
      case 'companyName': {
        const t = add(genSpec(CASES.companyName, 'only its company name in an internal record'));
        t.companyWritten = rng.chance(0.5) ? t.name.toUpperCase() : t.name.replace(/\s+\S+$/, '');
        break;
      }
      case 'conflictPair': {
        const a = add(genSpec(CASES.conflict, "tenantIds names it but the only customer address is another tenant's"));
        const b = add(
          genSpec(
            CASES.conflict,
            'its domain is the only customer address of a record whose tenantIds names another tenant',
          ),
        );
        a.partner = b;
        b.partner = a;
        a.leadsPair = 'conflict';
        break;
      }
      case 'companySharedPair': {
        // two tenants whose names normalize alike (same brand and industry, different legal form)
        for (;;) {
          const s1 = genSpec(CASES.companyShared, 'only a company name that two tenants share');
          const country2: CountryCode = s1.country === 'DE' ? 'US' : 'DE';
          const base = s1.name.replace(/\s+\S+$/, '');
          const d2 = `${asciiLower(base)}-${country2 === 'DE' ? 'gruppe' : 'group'}.${COUNTRIES[country2].tld}`;
          if (ns.domains.has(asciiDomain(d2))) continue;
          const s2: TenantSpec = {
            ...s1,
            name: `${base} ${rng.pick(COUNTRIES[country2].legal)}`,
            aliases: [],
            domains: [d2],
            domainsWritten: [d2],
            country: country2,
            fileSlug: s1.fileSlug + country2,
          };
          const t1 = add(s1);
          s2.domains.forEach((d) => ns.claimDomain(d));
          const t2 = makeTenant(ns, tenants.length, s2);
          tenants.push(t2);
          t1.companyWritten = t2.companyWritten = base;
          break;
        }
        break;
      }
      case 'none': {
        const t = add(genSpec(CASES.notMentioned, 'not in the data set'));
        if (/^[a-z0-9.-]+$/.test(t.domains[0]!)) parents.push(t);
        break;
      }
    }
  }

  // directory lines with the defective ones spread in; "domain of another tenant" after its owner
  const bad = badDirectoryLines(ns, tenants);
  const directoryLines: string[] = [];
  const rejected: Plan['rejected'] = [];
  const warned: Plan['warned'] = [];
  const conflicts: Plan['conflicts'] = [];
  const importedDefective: Plan['importedDefective'] = [];
  const place = (d: DefectiveLine) => {
    directoryLines.push(d.line);
    const line = directoryLines.length;
    if (d.outcome.kind === 'rejected') rejected.push({ line, reasonPattern: d.outcome.pattern });
    else {
      if (d.outcome.kind === 'warned') warned.push({ line, field: d.outcome.field, reasonPattern: d.outcome.pattern });
      else conflicts.push({ line, domain: d.outcome.domain });
      importedDefective.push({ id: d.outcome.id, why: d.outcome.why });
    }
  };
  const every = Math.max(2, Math.floor(tenants.length / (bad.length + 1)));
  let b = 0;
  tenants.forEach((t, i) => {
    directoryLines.push(directoryLine(t));
    if ((i + 1) % every === 0 && b < bad.length) place(bad[b++]!);
  });
  for (; b < bad.length; b++) place(bad[b]!);

  const logo: FileRef = { name: `${opLabel}-logo.png`, sha: rng.hex(64) };
  const csv = buildCsv(ns, tenants, staff);
  return {
    seed,
    garbage,
    operatorDomains,
    staff,
    operatorMailboxes,
    tenants,
    directoryLines,
    rejected,
    warned,
    conflicts,
    importedDefective,
    csv,
    names: ns,
    logo,
  };
}

type DefectiveLine = {
  line: string;
  outcome:
    | { kind: 'rejected'; pattern: string }
    | { kind: 'warned'; id: string; why: string; field: string; pattern: string }
    | { kind: 'conflict'; id: string; why: string; domain: string };
};

/**
 * Directory lines with a defect. Only a line that identifies no tenant (bad GUID, not JSON) is
 * rejected; the others are imported without the bad value (a warning) or with a domain
 * conflict. Their tenants are in no record of the data set: none of them is affected.
 */
function badDirectoryLines(ns: NameSpace, tenants: Tenant[]): DefectiveLine[] {
  const rng = ns.rng;
  const contact = (d: string) => {
    const p = ns.person(d, 'US', false);
    return [{ email: p.email!.shown, name: p.name, roles: ['GlobalAdmin'] }];
  };
  const out: DefectiveLine[] = [];
  const quiet = (what: string) => `${CASES.notMentioned}: ${what}; not in the data set`;
  const rejectedLine = (o: Record<string, unknown>, pattern: string) =>
    out.push({ line: JSON.stringify(o), outcome: { kind: 'rejected', pattern } });
  const warnedLine = (o: Record<string, unknown>, field: string, pattern: string, what: string) =>
    out.push({
      line: JSON.stringify(o),
      outcome: { kind: 'warned', id: o.tenantId as string, why: quiet(what), field, pattern },
    });
  rejectedLine(
    {
      tenantId: `${rng.hex(8)}-not-a-guid`,
      name: 'Graphic Design Institute',
      domains: ['graphicdesigninstitute.com'],
      contacts: contact('graphicdesigninstitute.com'),
    },
    REJECTION_PATTERNS.badGuid,
  );
  warnedLine(
    { tenantId: rng.guid(), name: 'Best For You Organics', domains: ['gmail.com'], contacts: contact('gmail.com') },
    'domains[0]',
    WARNING_PATTERNS.freeMailDomain,
    'its only domain, gmail.com, is free mail: dropped with a warning',
  );
  warnedLine(
    {
      tenantId: rng.guid(),
      name: 'Humongous Insurance Ltd',
      domains: ['co.uk'],
      contacts: contact('humongousinsurance.co.uk'),
    },
    'domains[0]',
    WARNING_PATTERNS.publicSuffix,
    'its only domain, co.uk, is a public suffix: dropped with a warning',
  );
  // Only Contoso Ltd, whose data-set addresses are all look-alikes, so that a conflict on its
  // domain changes no decision: no record is on contoso.com itself.
  const victim = tenants.find((t) => t.domains[0] === 'contoso.com');
  if (victim) {
    const id = rng.guid();
    out.push({
      line: JSON.stringify({
        tenantId: id,
        name: 'Contoso Imposter Holdings',
        domains: [victim.domains[0]],
        contacts: contact(victim.domains[0]!),
      }),
      outcome: {
        kind: 'conflict',
        id,
        why: quiet(
          `claims ${victim.domains[0]}, which ${victim.name} verified first: the domain is in conflict and identifies neither`,
        ),
        domain: victim.domains[0]!,
      },
    });
  }
  warnedLine(
    {
      tenantId: rng.guid(),
      name: 'Lamna Healthcare Company',
      domains: ['lamnahealthcare.com'],
      contacts: [{ email: 'it-admin.lamnahealthcare.com', name: 'IT Admin', roles: ['GlobalAdmin'] }],
    },
    'contacts[0].email',
    WARNING_PATTERNS.badContactAddress,
    'its only contact address is not one: the contact is dropped with a warning',
  );
  out.push({
    line: '{"tenantId":"' + rng.guid() + '","name":"Nod Publishers","domains":["nodpublishers.com"]',
    outcome: { kind: 'rejected', pattern: REJECTION_PATTERNS.notJson },
  });
  return out;
}

// ───────────────────────────── CSV (a small second data set) ─────────────────────────────

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function buildCsv(ns: NameSpace, tenants: Tenant[], staff: Person[]): { text: string; truth: CsvTruth } {
  const rng = ns.rng;
  const header = [
    'recordId',
    'kind',
    'name',
    'email',
    'phone',
    'company',
    'tenantId',
    'projectId',
    'fileName',
    'subject',
    'body',
  ];
  const rows: { cells: string[]; pattern?: string }[] = [];
  const addrs = new Set<string>();
  const people = new Set<string>();
  const phones = new Set<string>();
  const projects = new Set<string>();
  const contents = new Set<string>();
  let n = 0;
  const rid = () => `C${String(++n).padStart(6, '0')}`;
  const good = (p: Person, company: string, project: string, body = '', emailShown?: string) => {
    const cells = [
      rid(),
      'contact',
      p.name,
      emailShown ?? p.email?.shown ?? '',
      p.phone?.shown ?? '',
      company,
      '',
      project,
      '',
      '',
      body,
    ];
    rows.push({ cells });
    if (p.email?.canon) addrs.add(p.email.canon);
    people.add(personKey(p));
    if (p.phone?.e164) phones.add(p.phone.e164);
    if (project) projects.add(project.trim().toUpperCase());
    contents.add(
      JSON.stringify([
        p.email?.canon ?? '',
        foldName(p.name),
        p.phone?.e164 ?? '',
        company,
        project.trim().toUpperCase(),
        body,
      ]),
    );
    return cells;
  };
  const src = tenants.filter((t) => t.role === CASES.verifiedDomain || t.role === CASES.idnDomain).slice(0, 6);
  for (const t of src) {
    for (const p of t.staff.slice(0, 2)) good(p, t.name, rng.chance(0.5) ? t.project : '');
  }
  for (let i = 0; i < 6; i++) good(ns.freePerson('US'), `${rng.pick(NOISE_COMPANY_WORDS)}, Consulting LLP`, '');
  // a person known by name and phone only
  const nameOnly: Person = { name: ns.personName().name, first: '', phone: ns.phone('DE') };
  good(nameOnly, '', '');
  // a multi-line quoted body: the row starts on one line and ends on the next
  good(ns.freePerson('GB'), '', '', 'Met at the partner summit.\nFollow up about the renewal in Q3.');
  // an exact duplicate row: same content, another recordId, address in another case
  const dupOf = src[0]?.staff[0] ?? staff[0]!;
  const first = rows.find((r) => r.cells[2] === dupOf.name);
  if (first) {
    const c = [...first.cells];
    c[0] = rid();
    c[3] = ` ${c[3]!.toUpperCase()} `;
    rows.push({ cells: c });
  }
  const bad = (cells: string[], pattern: string) => rows.push({ cells, pattern });
  const victim = ns.freePerson('US');
  bad(
    ['', 'contact', victim.name, victim.email!.shown, '', '', '', '', '', '', ''],
    QUARANTINE_PATTERNS.missingRecordId,
  );
  bad(
    [rid(), 'calendar', victim.name, victim.email!.shown, '', '', '', '', '', '', ''],
    QUARANTINE_PATTERNS.unknownKind,
  );
  bad(
    [rid(), 'contact', `${victim.name}\u0001`, victim.email!.shown, '', '', '', '', '', '', ''],
    QUARANTINE_PATTERNS.controlChar,
  );
  bad(
    [rows[1]!.cells[0]!, 'contact', victim.name, victim.email!.shown, '', '', '', '', '', '', ''],
    QUARANTINE_PATTERNS.duplicateRecordId,
  );
  // spread the bad rows among the good ones, deterministically
  const goodRows = rows.filter((r) => !r.pattern);
  const badRows = rows.filter((r) => r.pattern);
  const ordered: typeof rows = [];
  goodRows.forEach((r, i) => {
    ordered.push(r);
    if (i % 4 === 3 && badRows.length) ordered.push(badRows.shift()!);
  });
  ordered.push(...badRows);
  let text = header.join(',') + '\n';
  let physical = 2;
  const quarantinedLines: { line: number; reasonPattern: string }[] = [];
  for (const r of ordered) {
    const line = r.cells.map(csvCell).join(',');
    if (r.pattern) quarantinedLines.push({ line: physical, reasonPattern: r.pattern });
    text += line + '\n';
    physical += line.split('\n').length;
  }
  const records = ordered.length - quarantinedLines.length;
  return {
    text,
    truth: {
      scope: {
        lines: ordered.length,
        records,
        quarantined: quarantinedLines.length,
        uniqueItems: contents.size,
        uniqueEmailAddresses: addrs.size,
        uniquePeople: people.size,
        uniquePhoneNumbers: phones.size,
        phoneNumbersNotValid: 0,
        uniqueFiles: 0,
        uniqueProjects: projects.size,
      },
      quarantinedLines,
    },
  };
}

// ───────────────────────────── the data set ─────────────────────────────

type Json = Record<string, unknown>;
interface EmailSpec {
  from: Person | Addr;
  to: (Person | Addr | string)[];
  cc?: (Person | Addr)[];
  bcc?: (Person | Addr)[];
  subject: string;
  body?: string;
  people?: Person[];
  companies?: string[];
  tenantIds?: string[];
  projectIds?: string[];
  attachments?: FileRef[];
  container?: string;
  folder?: string;
  at?: number;
}
interface Cluster {
  recordIds: string[];
  via: JoinRule[];
}
interface TB {
  addresses: Set<string>;
  names: Set<string>;
  phones: Set<string>;
  foreign: Set<string>;
}
interface Msg {
  rec: Json;
  cluster: Cluster;
  body: string;
  from: Person | Addr;
  sentAt: number;
  words: number;
}

const GARBAGE_ONCE = [
  'notJson',
  'array',
  'missingRecordId',
  'missingKind',
  'unknownKind',
  'toString',
  'control01',
  'duplicateId',
  'bodyTooBig',
  'singleQuotes',
  'null',
  'peopleObject',
  'controlDel',
  'controlC1',
  'controlNested',
  'subjectTooBig',
  'recordIdTooLong',
  'addressTooLong',
  'arrayTooLong',
  'lineTooBig',
  'toNumber',
] as const;
type GarbageKind = (typeof GARBAGE_ONCE)[number];
const GARBAGE_REPEAT: GarbageKind[] = [
  'notJson',
  'array',
  'missingRecordId',
  'missingKind',
  'unknownKind',
  'toString',
  'control01',
  'duplicateId',
  'peopleObject',
  'controlC1',
];

class ExposureBuilder {
  private readonly rng: Rng;
  private readonly ns: NameSpace;
  private pending: string[] = [];
  private deferred: { rec: Json; cluster: Cluster; via: JoinRule }[] = [];
  private lineNo = 0;
  private records = 0;
  private seq = 0;
  private lastAccepted = '';
  private readonly quarantined: { line: number; reasonPattern: string }[] = [];
  private readonly addrs = new Set<string>();
  private readonly people = new Set<string>();
  private readonly phones = new Set<string>();
  private readonly files = new Set<string>();
  private readonly projects = new Set<string>();
  private items = 0;
  private readonly clusters: Cluster[] | null;
  private readonly tb = new Map<Tenant, TB>();
  private readonly fileOwners = new Map<string, { name: string; owners: Set<Tenant>; outside: boolean }>();
  private garbageQueue: GarbageKind[];
  private garbageCountdown = 6;
  private repeatIdx = 0;
  private blankDone = 0;
  private clock = EPOCH;
  private exoticLeft = 3;
  private readonly quarantineVictim: Tenant | null;
  private fallbackVictim: Person | null = null;

  constructor(
    private readonly plan: Plan,
    keepClusters: boolean,
  ) {
    this.rng = new Rng((plan.seed ^ 0x5bd1e995) >>> 0);
    // same uniqueness sets as the directory: nobody in the data set collides with a tenant's people
    this.ns = new NameSpace(this.rng, plan.names);
    this.quarantineVictim = plan.tenants.find((t) => t.role === CASES.quarantineOnly) ?? null;
    this.clusters = keepClusters ? [] : null;
    this.garbageQueue = plan.garbage ? [...GARBAGE_ONCE] : [];
  }

  *run(): Generator<string, void, undefined> {
    const { tenants } = this.plan;
    this.noise(true);
    yield* this.drain();
    const order = this.rng.shuffle(tenants.slice());
    for (const t of order) {
      this.story(t);
      if (this.rng.chance(0.6)) this.noise(false);
      if (this.deferred.length >= 200) this.flushDeferred();
      yield* this.drain();
    }
    this.flushDeferred();
    while (this.plan.garbage && this.garbageQueue.length) this.garbageLine(this.garbageQueue.shift()!);
    yield* this.drain();
  }

  truth(): WorldTruth {
    const tenants: Record<string, TenantTruth> = {};
    const own = new Map<Tenant, { own: string[]; shared: string[] }>();
    for (const { name, owners, outside } of this.fileOwners.values()) {
      for (const t of owners) {
        let e = own.get(t);
        if (!e) own.set(t, (e = { own: [], shared: [] }));
        (owners.size === 1 && !outside ? e.own : e.shared).push(name);
      }
    }
    for (const t of this.plan.tenants) {
      const b = this.tb.get(t);
      const f = own.get(t);
      if (b?.foreign.size) {
        // a marker inside the tenant's own strings could never be told apart in a view: drop it
        const mine = [
          t.name,
          ...t.aliases,
          ...t.domains,
          ...b.addresses,
          ...b.names,
          ...b.phones,
          ...(f?.own ?? []),
          ...(f?.shared ?? []),
        ].map((x) => x.toLowerCase());
        for (const m of [...b.foreign]) if (mine.some((x) => x.includes(m.toLowerCase()))) b.foreign.delete(m);
      }
      tenants[t.id] = {
        expected: EXPECTED[t.role],
        why: t.why,
        ownAddresses: b ? [...b.addresses] : [],
        ownPeopleNames: b ? [...b.names] : [],
        ownPhones: b ? [...b.phones] : [],
        ownFileNames: f ? [...new Set(f.own)] : [],
        sharedFileNames: f ? [...new Set(f.shared)] : [],
        foreignMarkers: b ? [...b.foreign] : [],
      };
    }
    for (const d of this.plan.importedDefective) {
      tenants[d.id] = {
        expected: EXPECTED[CASES.notMentioned],
        why: d.why,
        ownAddresses: [],
        ownPeopleNames: [],
        ownPhones: [],
        ownFileNames: [],
        sharedFileNames: [],
        foreignMarkers: [],
      };
    }
    return {
      scope: {
        lines: this.records + this.quarantined.length,
        records: this.records,
        quarantined: this.quarantined.length,
        uniqueItems: this.items,
        uniqueEmailAddresses: this.addrs.size,
        uniquePeople: this.people.size,
        uniquePhoneNumbers: this.phones.size,
        // every number this world writes is valid (or no number at all: `n/a`)
        phoneNumbersNotValid: 0,
        uniqueFiles: this.files.size,
        uniqueProjects: this.projects.size,
      },
      quarantinedLines: this.quarantined,
      rejectedTenantLines: this.plan.rejected,
      warnedTenantLines: this.plan.warned,
      domainConflicts: this.plan.conflicts,
      tenants,
      clusters: this.clusters ?? undefined,
      csv: this.plan.csv.truth,
    };
  }

  // ── emitting ──

  private *drain(): Generator<string, void, undefined> {
    if (!this.pending.length) return;
    const p = this.pending;
    this.pending = [];
    yield* p;
  }

  private newItem(): Cluster {
    this.items++;
    const c: Cluster = { recordIds: [], via: [] };
    this.clusters?.push(c);
    return c;
  }

  private nextId(): string {
    return `R${String(++this.seq).padStart(8, '0')}`;
  }

  private put(rec: Json, cluster: Cluster, via: JoinRule, defer = false): void {
    if (defer) {
      this.deferred.push({ rec, cluster, via });
      return;
    }
    if (this.clusters) {
      cluster.recordIds.push(rec.recordId as string);
      cluster.via.push(cluster.via.length ? via : 'first');
    }
    // some writers end lines with CRLF: JSON.parse ignores the trailing \r
    this.pending.push(JSON.stringify(rec) + (this.rng.chance(0.03) ? '\r' : ''));
    this.lineNo++;
    this.records++;
    this.lastAccepted = rec.recordId as string;
    if (this.plan.garbage && --this.garbageCountdown <= 0) {
      const kind = this.garbageQueue.length
        ? this.garbageQueue.shift()!
        : GARBAGE_REPEAT[this.repeatIdx++ % GARBAGE_REPEAT.length]!;
      this.garbageLine(kind);
      this.garbageCountdown = this.garbageQueue.length ? 22 : 450;
      if (this.blankDone < 2 && this.quarantined.length >= 3 + this.blankDone * 4) {
        // blank lines count for physical line numbers, not for `lines`
        this.pending.push(this.blankDone === 0 ? '' : '\r');
        this.lineNo++;
        this.blankDone++;
      }
    }
  }

  private flushDeferred(): void {
    const d = this.deferred;
    this.deferred = [];
    for (const x of d) this.put(x.rec, x.cluster, x.via);
  }

  // ── registering entities (only for records that are accepted) ──

  private regAddr(a: Addr | string): string {
    if (typeof a === 'string') return a;
    if (a.canon) this.addrs.add(a.canon);
    return a.shown;
  }
  private regPerson(p: Person): Json {
    this.people.add(personKey(p));
    const o: Json = { name: p.name };
    if (p.email) o.email = this.regAddr(p.email);
    if (p.phone) {
      o.phone = p.phone.shown;
      if (p.phone.e164) this.phones.add(p.phone.e164);
    }
    return o;
  }
  private regFile(f: FileRef): Json {
    this.files.add(fileKey(f));
    return f.sha ? { fileName: f.name, sha256: f.sha } : { fileName: f.name };
  }
  private regProject(p: string): string {
    this.projects.add(p.trim().toUpperCase());
    return p;
  }

  private tenantBook(t: Tenant): TB {
    let b = this.tb.get(t);
    if (!b) this.tb.set(t, (b = { addresses: new Set(), names: new Set(), phones: new Set(), foreign: new Set() }));
    return b;
  }
  /** elements attributed to t */
  private own(t: Tenant, people: Person[], extra: Addr[] = []): void {
    const b = this.tenantBook(t);
    for (const p of people) {
      if (p.email?.canon) b.addresses.add(p.email.canon);
      b.names.add(p.name);
      if (p.phone?.e164) b.phones.add(p.phone.e164);
    }
    for (const a of extra) if (a.canon) b.addresses.add(a.canon);
  }
  /** `outside`: the file's record also names an organization outside the directory */
  private fileIn(f: FileRef, owners: Tenant[], outside = false): void {
    const k = fileKey(f);
    let e = this.fileOwners.get(k);
    if (!e) this.fileOwners.set(k, (e = { name: f.name, owners: new Set(), outside: false }));
    owners.forEach((t) => e.owners.add(t));
    if (outside) e.outside = true;
  }
  /** strings of `other` that appear in a record `t` shares: never in t's view */
  private foreign(t: Tenant, other: Tenant, people: Person[], companies: string[]): void {
    const b = this.tenantBook(t);
    for (const s of [other.name, ...other.aliases, ...companies, ...other.domains, ...other.domains.map(asciiDomain)])
      b.foreign.add(s);
    for (const p of people) {
      b.foreign.add(p.name);
      if (p.email) {
        b.foreign.add(p.email.shown);
        if (p.email.canon) b.foreign.add(p.email.canon);
      }
      if (p.phone) {
        b.foreign.add(p.phone.shown);
        if (p.phone.e164) b.foreign.add(p.phone.e164);
      }
    }
  }

  // ── record builders ──

  private tick(): number {
    this.clock += this.rng.int(20, 600) * 60_000;
    if (this.clock > EPOCH + 130 * DAY) this.clock = EPOCH + this.rng.int(0, 30) * DAY;
    return this.clock;
  }

  private email(s: EmailSpec): Json {
    const id = this.nextId();
    const at = s.at ?? this.tick();
    const addrOf = (x: Person | Addr | string) =>
      typeof x === 'string' ? x : 'shown' in x ? this.regAddr(x) : this.regAddr(x.email!);
    const rec: Json = {
      recordId: id,
      source: { container: s.container ?? 'bluebleed-prod', path: `${s.folder ?? 'mail'}/${id.toLowerCase()}.eml` },
      capturedAt: isoAt(at + 3 * DAY),
      kind: 'email',
      subject: s.subject,
      from: addrOf(s.from),
      to: s.to.map(addrOf),
      cc: (s.cc ?? []).map(addrOf),
    };
    if (s.bcc) rec.bcc = s.bcc.map(addrOf);
    if (s.body !== undefined) rec.body = s.body;
    rec.people = (s.people ?? []).map((p) => this.regPerson(p));
    rec.companies = s.companies ?? [];
    rec.tenantIds = s.tenantIds ?? [];
    rec.projectIds = (s.projectIds ?? []).map((p) => this.regProject(p));
    rec.attachments = (s.attachments ?? []).map((f) => this.regFile(f));
    return rec;
  }

  private plain(
    kind: 'contact' | 'attachment' | 'document' | 'project',
    s: {
      subject?: string;
      body?: string;
      people?: Person[];
      companies?: string[];
      tenantIds?: string[];
      projectIds?: string[];
      file?: FileRef;
      folder?: string;
    },
  ): Json {
    const id = this.nextId();
    const rec: Json = {
      recordId: id,
      source: { container: 'bluebleed-prod', path: `${s.folder ?? kind + 's'}/${id.toLowerCase()}.json` },
      capturedAt: isoAt(this.tick() + 3 * DAY),
      kind,
    };
    if (s.subject !== undefined) rec.subject = s.subject;
    if (s.body !== undefined) rec.body = s.body;
    if (s.file) {
      const f = this.regFile(s.file);
      Object.assign(rec, f);
      if (kind === 'attachment' && s.file.sha)
        (rec.source as Json).path = `attachments/${s.file.sha.slice(0, 16)}/${s.file.name}`;
    }
    if (s.people) rec.people = s.people.map((p) => this.regPerson(p));
    if (s.companies) rec.companies = s.companies;
    if (s.tenantIds) rec.tenantIds = s.tenantIds;
    if (s.projectIds) rec.projectIds = s.projectIds.map((p) => this.regProject(p));
    return rec;
  }

  /** An exact copy as found in a backup folder: same content once normalized. */
  private backupCopy(src: Json, exotic = false): Json {
    const rng = this.rng;
    const id = this.nextId();
    const c: Json = { ...src, recordId: id };
    const srcPath = (src.source as Json | undefined)?.path as string | undefined;
    c.source = { container: 'bluebleed-backup', path: `backup/2022-09-${rng.int(10, 28)}/${srcPath ?? id}` };
    c.capturedAt = isoAt(Date.parse(src.capturedAt as string) + rng.int(1, 40) * DAY);
    const vary = (a: string) => {
      if (!a.includes('@')) return a;
      const [l, d] = a.split('@') as [string, string];
      if (/[^\x00-\x7f]/.test(d) && !/[\u0400-\u04ff]/.test(d)) {
        // IDN: punycode, upper case or decomposed (NFD) forms of the same domain
        switch (rng.int(0, 2)) {
          case 0:
            return `${l}@${asciiDomain(d)}`;
          case 1:
            return a.toUpperCase();
          default:
            return a.normalize('NFD');
        }
      }
      if (/[^\x00-\x7f]/.test(d)) return a; // never vary a homograph
      switch (rng.int(0, 3)) {
        case 0:
          return a.toUpperCase();
        case 1:
          return `${l.split('.').map(cap).join('.')}@${d.toUpperCase()}`;
        case 2:
          return `  ${a} `;
        default:
          return `${cap(l)}@${d}`;
      }
    };
    if (typeof c.from === 'string' && rng.chance(0.7)) c.from = vary(c.from);
    for (const k of ['to', 'cc', 'bcc'] as const) {
      const arr = c[k] as string[] | undefined;
      if (arr?.length) c[k] = rng.shuffle(arr.map((a) => (rng.chance(0.6) ? vary(a) : a)));
    }
    if (typeof c.body === 'string') {
      let b = c.body;
      if (rng.chance(0.7)) b = b.replace(/\n/g, '\r\n');
      if (rng.chance(0.5)) b = b.replace(/(\r?\n)/g, '  $1');
      if (rng.chance(0.6))
        b = b.replace(/ the /g, () => (rng.chance(0.3) ? ' the  ' : rng.chance(0.2) ? ' \tthe ' : ' the '));
      if (rng.chance(0.3)) b = `\n${b}\n  `;
      c.body = b;
    }
    if (typeof c.subject === 'string' && rng.chance(0.4))
      c.subject = c.subject.replace(' ', rng.chance(0.5) ? '  ' : '\u00a0');
    const atts = c.attachments as Json[] | undefined;
    if (atts?.length && rng.chance(0.4))
      c.attachments = atts.map((a) => (a.sha256 ? { ...a, sha256: (a.sha256 as string).toUpperCase() } : a)).reverse();
    if (typeof c.sha256 === 'string' && rng.chance(0.4)) c.sha256 = c.sha256.toUpperCase();
    const pids = c.projectIds as string[] | undefined;
    if (pids?.length && rng.chance(0.5)) c.projectIds = pids.map((p) => ` ${p.toLowerCase()}`);
    const tids = c.tenantIds as string[] | undefined;
    if (tids?.length && rng.chance(0.6)) c.tenantIds = tids.map((t) => t.toUpperCase());
    const ppl = c.people as Json[] | undefined;
    if (ppl && ppl.length > 1 && rng.chance(0.5)) c.people = ppl.slice().reverse();
    if (rng.chance(0.5)) c.folder = rng.pick(['Backup/Inbox', 'Backup/Sent Items', 'Archive/2022']);
    if (exotic && this.exoticLeft > 0) {
      this.exoticLeft--;
      // NFKC forms: a full-width local part, a no-break space in the subject
      const to = c.to as string[] | undefined;
      if (to?.length && to[0]!.includes('@')) {
        const [l, d] = to[0]!.trim().split('@') as [string, string];
        c.to = [`${FULLWIDTH(l.toLowerCase())}@${d}`, ...to.slice(1)];
      }
      if (typeof c.subject === 'string') c.subject = c.subject.replace(' ', '\u00a0');
    }
    return c;
  }

  private file(t: Tenant, doc?: string): FileRef {
    const y = this.rng.int(2020, 2022);
    return {
      name: `${doc ?? this.rng.pick(DOC_TYPES)}_${t.fileSlug}_${y}_${this.rng.int(10, 99)}.${this.rng.pick(EXTS)}`,
      sha: this.rng.hex(64),
    };
  }

  private signature(p: Person): string {
    return `-- \n${p.name}\n${this.rng.pick(TITLES)}${this.rng.chance(0.5) ? ' | Cloud Provider' : ''}`;
  }

  /** reply / forward / signature variant / near-duplicate / backup copies of a base email */
  private derive(
    m: Msg,
    o: {
      replier: Person | Addr;
      to: (Person | Addr)[];
      cc?: (Person | Addr)[];
      people: Person[];
      reply?: boolean;
      forward?: [Person, Person] | null;
      sig?: boolean;
      near?: boolean;
      backups?: number;
      exotic?: boolean;
      reattach?: FileRef[];
    },
  ): void {
    const rng = this.rng;
    const fromName = 'shown' in m.from ? m.from.shown : m.from.name;
    const fromAddr = 'shown' in m.from ? m.from.shown : m.from.email!.shown;
    const subject = m.rec.subject as string;
    for (let i = 0; i < (o.backups ?? 0); i++)
      this.put(this.backupCopy(m.rec, o.exotic && i === 0), m.cluster, 'exact', true);
    if (o.sig && m.words >= 20) {
      const sender = 'shown' in m.from ? this.plan.staff[0]! : m.from;
      const r: Json = { ...m.rec, recordId: this.nextId(), body: `${m.body}\n${this.signature(sender)}` };
      r.source = { container: 'bluebleed-prod', path: `mail/sent/${(r.recordId as string).toLowerCase()}.eml` };
      this.put(r, m.cluster, 'same text');
    }
    if (o.reply) {
      const own = messageText(rng, 'shown' in m.from ? null : m.from.first, 20, 35);
      const at = m.sentAt + rng.int(1, 48) * 3_600_000;
      const quote = rng.chance(0.7)
        ? `On ${headerDate(m.sentAt)}, ${fromName} wrote:\n${m.body
            .split('\n')
            .map((l) => `> ${l}`)
            .join('\n')}`
        : `-----Original Message-----\nFrom: ${fromName} <${fromAddr}>\nSent: ${headerDate(m.sentAt)}\nTo: ${(m.rec.to as string[]).join('; ')}\nSubject: ${subject}\n\n${m.body}`;
      const r = this.email({
        from: o.replier,
        to: o.to,
        cc: o.cc,
        subject: `RE: ${subject}`,
        body: `${own}\n\n${quote}`,
        people: o.people,
        companies: m.rec.companies as string[],
        projectIds: m.rec.projectIds as string[],
        attachments: o.reattach,
        at,
      });
      this.put(r, m.cluster, 'quotes');
    }
    if (o.forward) {
      const [a, b] = o.forward;
      const own = messageText(rng, b.first, 20, 35);
      const body = `${own}\n\n---------- Forwarded message ---------\nFrom: ${fromName} <${fromAddr}>\nDate: ${headerDate(m.sentAt)}\nSubject: ${subject}\nTo: ${(m.rec.to as string[]).join(', ')}\n\n${m.body}`;
      const atts = (m.rec.attachments as { fileName: string; sha256?: string }[]).map((x) => ({
        name: x.fileName,
        sha: x.sha256,
      }));
      const r = this.email({
        from: a,
        to: [b],
        subject: `Fwd: ${subject}`,
        body,
        people: o.people,
        attachments: atts,
        folder: 'mail/internal',
      });
      this.put(r, m.cluster, 'quotes');
    }
    if (o.near && m.words >= 50) {
      const r: Json = { ...m.rec, recordId: this.nextId(), body: `${m.body}\n${rng.pick(NEAR_DUP_DISCLAIMERS)}` };
      r.source = { container: 'bluebleed-prod', path: `mail/outbox/${(r.recordId as string).toLowerCase()}.eml` };
      r.capturedAt = isoAt(Date.parse(m.rec.capturedAt as string) + DAY);
      this.put(r, m.cluster, 'near-duplicate');
    }
  }

  private baseEmail(
    s: Omit<EmailSpec, 'body'> & { greet: string | null; minWords?: number; maxWords?: number; append?: string },
  ): Msg {
    const body = messageText(this.rng, s.greet, s.minWords ?? 30, s.maxWords ?? 80) + (s.append ? `\n${s.append}` : '');
    const at = this.tick();
    const rec = this.email({ ...s, body, at });
    const cluster = this.newItem();
    this.put(rec, cluster, 'first');
    return { rec, cluster, body, from: s.from, sentAt: at, words: wordCount(body) };
  }

  private staffPick(): Person {
    return this.rng.pick(this.plan.staff);
  }
  private twoStaff(): [Person, Person] {
    const a = this.staffPick();
    let b = this.staffPick();
    while (b === a) b = this.staffPick();
    return [a, b];
  }
  private subjectFor(t: Tenant): string {
    const n = this.rng.chance(0.5) ? (t.aliases[0] ?? t.name) : t.name;
    return this.rng.pick([
      `Azure migration – ${n}`,
      `Renewal quote ${t.project}`,
      `${n}: capacity review`,
      `Support case ${this.rng.int(100000, 999999)}`,
      `Architecture workshop follow-up`,
      `Invoice ${this.rng.int(10000, 99999)} – ${n}`,
      `Onboarding ${t.project}`,
      `Security assessment results`,
    ]);
  }

  // ── stories ──

  private story(t: Tenant): void {
    switch (t.role) {
      case CASES.verifiedDomain:
      case CASES.idnDomain:
      case CASES.subdomainTenant:
        this.verifiedStory(t);
        break;
      case CASES.conflictCleanElsewhere:
        this.verifiedStory(t);
        if (t.leadsPair === 'conflict-clean') this.conflictRecord(t, t.partner!);
        break;
      case CASES.sharedPartner:
      case CASES.sharedCustomer:
        this.verifiedStory(t);
        if (t.leadsPair === 'shared') this.sharedThread(t, t.partner!);
        break;
      case CASES.conflict:
        if (t.leadsPair === 'conflict') this.conflictRecord(t, t.partner!);
        break;
      case CASES.parentLookalike:
        this.lookalikeStory(t);
        break;
      case CASES.freemailContact:
        this.freemailContactStory(t);
        break;
      case CASES.freemailNonContact:
        this.freemailNonContactStory(t);
        break;
      case CASES.tenantId:
        this.tenantIdStory(t);
        break;
      case CASES.companyName:
      case CASES.companyAlias:
        this.companyOnlyStory(t);
        break;
      case CASES.companyShared:
        if (t.companyWritten && !this.sharedCompanyDone.has(t.companyWritten)) {
          this.sharedCompanyDone.add(t.companyWritten);
          this.companyOnlyStory(t);
        }
        break;
      case CASES.phoneOnly:
        this.phoneOnlyStory(t);
        break;
      case CASES.bodyMention:
        this.internalThread(t);
        break;
      case CASES.textAddress:
        this.textAddressStory(t);
        break;
      case CASES.textPhone:
        this.textPhoneStory(t);
        break;
      case CASES.outsiderFile:
        this.verifiedStory(t);
        this.outsiderThread(t);
        break;
      case CASES.quarantineOnly:
      case CASES.notMentioned:
        break;
    }
  }
  private readonly sharedCompanyDone = new Set<string>();

  /** single-tenant threads, contacts, files, documents and projects of a tenant with verified domains */
  private verifiedStory(t: Tenant): void {
    const rng = this.rng;
    const people = t.staff;
    const files = Array.from({ length: rng.int(1, 3) }, () => this.file(t));
    const sentFiles = new Set<FileRef>();
    const exotic = t.idx < 30;
    const threads = rng.int(2, 6);
    let lastAtt: FileRef | null = null;
    for (let th = 0; th < threads; th++) {
      const s = this.staffPick();
      const tp = rng.pick(people);
      const cc = people.length > 1 && rng.chance(0.4) ? [rng.pick(people.filter((p) => p !== tp))] : [];
      const inbound = rng.chance(0.5);
      const atts: FileRef[] = [];
      if (rng.chance(0.6)) atts.push(rng.pick(files));
      if (lastAtt && rng.chance(0.35)) atts.push(lastAtt); // the same attachment in several emails
      if (!inbound && rng.chance(0.2)) atts.push(this.plan.logo);
      const uniqAtts = [...new Set(atts)];
      const ppl = [tp, ...cc, ...(rng.chance(0.5) ? [s] : [])];
      const near = rng.chance(0.25);
      const m = this.baseEmail({
        from: inbound ? tp : s,
        to: [inbound ? s : tp],
        cc: inbound ? cc : [...cc, ...(rng.chance(0.3) ? [this.staffPick()] : [])],
        bcc: !inbound && rng.chance(0.1) ? [this.plan.operatorMailboxes[3]!] : undefined,
        subject: this.subjectFor(t),
        greet: inbound ? s.first : tp.first,
        people: ppl,
        companies: rng.chance(0.6) ? [rng.chance(0.5) ? t.name : (t.aliases[0] ?? t.name)] : [],
        projectIds: rng.chance(0.5) ? [t.project] : [],
        tenantIds: rng.chance(0.1) ? [t.id] : [],
        attachments: uniqAtts,
        minWords: near ? 50 : 30,
      });
      uniqAtts.forEach((f) => sentFiles.add(f));
      this.own(
        t,
        ppl.filter((p) => p !== s && !this.plan.staff.includes(p)),
      );
      for (const f of uniqAtts) this.fileIn(f, [t]);
      const reattach = rng.chance(0.3) ? uniqAtts.filter((f) => f !== this.plan.logo) : undefined;
      this.derive(m, {
        replier: inbound ? s : tp,
        to: [inbound ? tp : s],
        cc: inbound ? [] : cc,
        people: ppl,
        reply: rng.chance(0.45),
        forward: rng.chance(0.2) ? this.twoStaff() : null,
        sig: rng.chance(0.3),
        near,
        backups: th === 0 ? rng.int(1, 3) : rng.chance(0.5) ? rng.int(1, 2) : 0,
        exotic,
        reattach,
      });
      if (uniqAtts.length) lastAtt = uniqAtts[0]!;
      // a short note with an attachment: under 20 words, so only an exact copy would join it
      if (rng.chance(0.2)) {
        const f = rng.pick(files);
        const rec = this.email({
          from: tp,
          to: [s],
          subject: `Signed copy ${rng.int(1000, 9999)}`,
          body: rng.pick(['Please find the signed copy attached.', 'See attached, thanks!', 'Attached as discussed.']),
          people: [tp],
          attachments: [f],
        });
        this.put(rec, this.newItem(), 'first');
        sentFiles.add(f);
        this.fileIn(f, [t]);
      }
    }
    // the same person in several contact records (distinct records: other companies/projects)
    for (const p of people.slice(0, rng.int(1, 2))) {
      const c1 = this.plain('contact', { people: [p], companies: [t.name], folder: 'crm/export-2021' });
      const cl = this.newItem();
      this.put(c1, cl, 'first');
      if (rng.chance(0.3)) this.put(this.backupCopy(c1), cl, 'exact', true);
      if (rng.chance(0.5)) {
        const p2: Person = { ...p, phone: undefined };
        this.put(
          this.plain('contact', { people: [p2], companies: [], projectIds: [t.project], folder: 'crm/export-2022' }),
          this.newItem(),
          'first',
        );
      }
      this.own(t, [p]);
    }
    // attachment records of files that were sent: no signal of their own
    for (const f of sentFiles) {
      if (f === this.plan.logo || !rng.chance(0.5)) continue;
      const a = this.plain('attachment', { file: f });
      const cl = this.newItem();
      this.put(a, cl, 'first');
      if (rng.chance(0.3)) this.put(this.backupCopy(a), cl, 'exact', true);
    }
    // a document and sometimes its next version (another file, near-duplicate text)
    if (rng.chance(0.3)) {
      const tp = rng.pick(people);
      const f = this.file(t, 'Architecture_Review');
      const body = messageText(rng, null, 50, 80);
      const d = this.plain('document', {
        file: f,
        body,
        people: [tp],
        subject: `Architecture review – ${t.aliases[0] ?? t.name}`,
      });
      const cl = this.newItem();
      this.put(d, cl, 'first');
      this.own(t, [tp]);
      this.fileIn(f, [t]);
      if (rng.chance(0.5)) {
        const f2: FileRef = { name: f.name.replace(/(\.\w+)$/, '_v2$1'), sha: rng.hex(64) };
        const d2 = this.plain('document', {
          file: f2,
          body: `${body}\n${rng.pick(NEAR_DUP_DISCLAIMERS)}`,
          people: [tp],
          subject: d.subject as string,
        });
        this.put(d2, cl, 'near-duplicate');
        this.fileIn(f2, [t]);
      }
    }
    if (rng.chance(0.25)) {
      const p = this.plain('project', {
        projectIds: [t.project],
        subject: `Project ${t.project}`,
        tenantIds: [t.id],
        companies: [t.name],
      });
      const cl = this.newItem();
      this.put(p, cl, 'first');
      if (rng.chance(0.3)) this.put(this.backupCopy(p), cl, 'exact', true);
    }
    // a reply whose original was not captured: an item of its own
    if (rng.chance(0.1)) {
      const s = this.staffPick();
      const tp = rng.pick(people);
      const lost = messageText(rng, tp.first, 30, 50);
      const body = `${messageText(rng, s.first, 20, 30)}\n\nOn ${headerDate(this.tick())}, ${s.name} wrote:\n${lost
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')}`;
      this.put(
        this.email({ from: tp, to: [s], subject: `RE: ${this.subjectFor(t)}`, body, people: [tp] }),
        this.newItem(),
        'first',
      );
      this.own(t, [tp]);
    }
  }

  /** a thread between a partner tenant and a customer tenant, cc the operator */
  private sharedThread(p: Tenant, c: Tenant): void {
    const rng = this.rng;
    const pp = p.staff[0]!;
    const cps = c.staff.slice(0, 2);
    const s = this.staffPick();
    const shared: FileRef = { name: `SOW_${c.fileSlug}_${p.fileSlug}_${rng.int(2021, 2022)}.pdf`, sha: rng.hex(64) };
    const companies = [p.aliases[0] ?? p.name, c.name];
    const ppl = [pp, ...cps];
    const m = this.baseEmail({
      from: pp,
      to: [cps[0]!],
      cc: [...cps.slice(1), s],
      subject: `Migration plan – ${c.aliases[0] ?? c.name}`,
      greet: cps[0]!.first,
      people: ppl,
      companies,
      attachments: [shared],
      projectIds: [c.project],
    });
    this.derive(m, { replier: cps[0]!, to: [pp], cc: [s], people: ppl, reply: true, backups: 1, reattach: [shared] });
    this.own(p, [pp]);
    this.own(c, cps);
    this.fileIn(shared, [p, c]);
    this.foreign(p, c, cps, [c.name]);
    this.foreign(c, p, [pp], [companies[0]!]);
  }

  /** tenantIds says a, the only customer address is on b's verified domain */
  private conflictRecord(a: Tenant, b: Tenant): void {
    const bp = b.staff[0]!;
    const s = this.staffPick();
    const m = this.baseEmail({
      from: s,
      to: [bp],
      subject: `Service request ${this.rng.int(100000, 999999)}`,
      greet: bp.first,
      people: [bp],
      tenantIds: [a.id],
    });
    this.derive(m, { replier: bp, to: [s], people: [bp], backups: 1 });
    // b's address is attributable to b (not decided: a review item); a owns nothing of it
    this.own(b, [bp]);
    this.foreign(a, b, [bp], []);
    this.foreign(b, a, [], []);
  }

  private lookalikeStory(t: Tenant): void {
    const s = this.staffPick();
    const root = t.domains[0]!;
    const lookalike = mkAddr('it-security', `not${root}`);
    const suffixTrick = mkAddr('alerts', `${root}.secure-login.io`);
    const homograph = mkAddr('admin', root.replace('o', '\u043e')); // Cyrillic о
    const hp: Person = { name: this.ns.personName().name, first: 'Admin', email: homograph };
    const m1 = this.baseEmail({
      from: lookalike,
      to: [s],
      subject: `${t.aliases[0] ?? t.name} password expiry`,
      greet: s.first,
      people: [],
    });
    this.derive(m1, { replier: s, to: [lookalike], people: [], backups: 1 });
    this.baseEmail({ from: suffixTrick, to: [s], subject: 'Unusual sign-in activity', greet: s.first });
    const m3 = this.baseEmail({
      from: s,
      to: [homograph],
      subject: 'Your subscription renewal',
      greet: hp.first,
      people: [hp],
    });
    this.derive(m3, { replier: homograph, to: [s], people: [hp], reply: true });
  }

  private freemailContactStory(t: Tenant): void {
    const p = t.freeContact!;
    const s = this.plan.operatorMailboxes[0]!;
    const m = this.baseEmail({
      from: p,
      to: [s],
      subject: `Invoice question ${this.rng.int(10000, 99999)}`,
      greet: 'support team',
      people: [p],
    });
    this.derive(m, { replier: this.staffPick(), to: [p], people: [p], reply: true, backups: 1 });
    this.own(t, [p]);
  }

  private freemailNonContactStory(t: Tenant): void {
    const c = t.freeContact!;
    const provider = c.email!.domain === 'outlook.com' ? 'hotmail.com' : 'outlook.com';
    const p: Person = { name: c.name, first: c.first, email: mkAddr(c.email!.local, provider) };
    const s = this.plan.operatorMailboxes[0]!;
    this.baseEmail({
      from: p,
      to: [s],
      subject: `Question about my account ${this.rng.int(10000, 99999)}`,
      greet: 'support team',
      people: [p],
    });
  }

  private tenantIdStory(t: Tenant): void {
    const [a, b] = this.twoStaff();
    const f: FileRef = {
      name: `${t.fileSlug}_tenant_config_export_${this.rng.int(100, 999)}.json`,
      sha: this.rng.hex(64),
    };
    const p = this.plain('project', { projectIds: [t.project], subject: `Onboarding ${t.project}`, tenantIds: [t.id] });
    this.put(p, this.newItem(), 'first');
    const m = this.baseEmail({
      from: a,
      to: [b],
      subject: 'Tenant health check',
      greet: b.first,
      people: [],
      tenantIds: [t.id],
      attachments: [f],
    });
    this.derive(m, { replier: b, to: [a], people: [], reply: this.rng.chance(0.5) });
    // tenant ids are compared lower-cased: an upper-case copy is the same item and the same tenant
    this.put({ ...this.backupCopy(m.rec), tenantIds: [t.id.toUpperCase()] }, m.cluster, 'exact', true);
    this.fileIn(f, [t]);
  }

  private companyOnlyStory(t: Tenant): void {
    const [a, b] = this.twoStaff();
    const written = t.companyWritten ?? t.name;
    if (t.role === CASES.companyAlias) {
      const p = this.plain('project', {
        projectIds: [`PRJ-${this.rng.digits(6)}`],
        subject: 'Opportunity pipeline',
        companies: [written],
      });
      this.put(p, this.newItem(), 'first');
    } else {
      this.baseEmail({
        from: a,
        to: [b],
        subject: `Pipeline review Q${this.rng.int(1, 4)}`,
        greet: b.first,
        companies: [written],
      });
    }
  }

  private phoneOnlyStory(t: Tenant): void {
    const ph = t.phones[0]!;
    // the directory writes it one way, the record another: same E.164
    const digits = ph.e164!;
    const shown = digits.startsWith('+1')
      ? `+1 (${digits.slice(2, 5)}) ${digits.slice(5, 8)}-${digits.slice(8)}`
      : digits;
    const p: Person = {
      name: this.rng.pick(['Front Desk', 'Reception', 'Switchboard']),
      first: '',
      phone: { e164: ph.e164, shown },
    };
    this.put(this.plain('contact', { people: [p], folder: 'crm/phonebook' }), this.newItem(), 'first');
    this.own(t, [p]);
  }

  /** operator mail whose only trace of the tenant is its person's address, in a sentence and in a forward's quoted header */
  private textAddressStory(t: Tenant): void {
    const rng = this.rng;
    const p = t.staff[0]!;
    const [a, b] = this.twoStaff();
    this.baseEmail({
      from: a,
      to: [b],
      subject: `Rollout contacts ${rng.int(1, 99)}`,
      greet: b.first,
      append: `Please loop in ${p.name} (${this.regAddr(p.email!)}) for the rollout.`,
    });
    const own = messageText(rng, b.first, 20, 35);
    const quoted = messageText(rng, a.first, 20, 35);
    const body = `${own}\n\n---------- Forwarded message ---------\nFrom: ${p.name} <${this.regAddr(p.email!)}>\nDate: ${headerDate(this.tick())}\nSubject: Rollout\n\n${quoted}`;
    this.put(
      this.email({ from: b, to: [a], subject: 'Fwd: Rollout', body, folder: 'mail/internal' }),
      this.newItem(),
      'first',
    );
    this.own(t, [], [p.email!]);
  }

  /** operator mail whose only trace of the tenant is its phone number in the body: weak */
  private textPhoneStory(t: Tenant): void {
    const [a, b] = this.twoStaff();
    const ph = t.phones[0]!;
    this.baseEmail({
      from: a,
      to: [b],
      subject: `Call back ${this.rng.int(1, 99)}`,
      greet: b.first,
      append: `Their front desk asked for a call back, Tel: ${ph.e164}.`,
    });
    this.phones.add(ph.e164!);
  }

  /** a tenant's person and an organization outside the directory exchange files: no tenant sees their names */
  private outsiderThread(t: Tenant): void {
    const tp = t.staff[0]!;
    const outsider = mkAddr(`counsel${this.rng.int(10, 99)}`, OUTSIDE_DOMAIN);
    const files = [this.file(t, 'Joint_Venture'), this.file(t, 'Term_Sheet')];
    this.baseEmail({
      from: tp,
      to: [outsider],
      subject: `Joint venture – ${t.name}`,
      greet: 'Counsel',
      people: [tp],
      attachments: files,
    });
    this.own(t, [tp]);
    for (const f of files) this.fileIn(f, [t], true);
  }

  /** only operator addresses; the body names a tenant, which is not a signal */
  private internalThread(t: Tenant | null): void {
    const [a, b] = this.twoStaff();
    const m = this.baseEmail({
      from: a,
      to: [b],
      subject: `Weekly sync ${this.rng.int(1, 52)}`,
      greet: b.first,
      people: this.rng.chance(0.5) ? [a, b] : [],
      append: t ? `We should also prepare the ${t.aliases[0] ?? t.name} renewal notes.` : undefined,
      maxWords: t ? 68 : 80,
    });
    this.derive(m, { replier: b, to: [a], people: [], reply: true, sig: true, backups: 1 });
  }

  /** records that belong to nobody */
  private noise(first: boolean): void {
    const rng = this.rng;
    const kinds = first ? [0, 1, 2, 3, 4, 5] : [rng.int(0, 5)];
    for (const k of kinds) {
      switch (k) {
        case 0:
          this.internalThread(null);
          break;
        case 1: {
          // newsletter to consumers (free-mail, not contacts); "undisclosed-recipients:;" is no address
          const consumers = Array.from({ length: rng.int(2, 5) }, () => this.ns.freePerson(rng.pick(COUNTRY_LIST)));
          const m = this.baseEmail({
            from: this.plan.operatorMailboxes[1]!,
            to: ['undisclosed-recipients:;'],
            bcc: consumers,
            subject: `Product update ${rng.int(1, 999)}`,
            greet: 'customer',
            people: consumers,
            attachments: rng.chance(0.5) ? [this.plan.logo] : [],
          });
          this.derive(m, { replier: this.staffPick(), to: [], people: consumers, backups: rng.int(0, 1) });
          break;
        }
        case 2: {
          // the same consumer in two contact exports; one with a phone that does not parse
          const c = this.ns.freePerson(rng.pick(COUNTRY_LIST), undefined, true);
          const company = `${rng.pick(NOISE_COMPANY_WORDS)} Consulting`;
          this.put(
            this.plain('contact', { people: [c], companies: [company], folder: 'crm/leads' }),
            this.newItem(),
            'first',
          );
          const bad: Person = { ...c, phone: { e164: null, shown: rng.pick(['n/a', 'unknown']) } };
          this.put(
            this.plain('contact', { people: [bad], companies: [], folder: 'crm/webinar' }),
            this.newItem(),
            'first',
          );
          break;
        }
        case 3: {
          // scans without a hash: the file is its name; two records of one scan are one item
          const f: FileRef = { name: `scan_${rng.int(1000, 9999)}_${rng.hex(4)}.pdf` };
          const a = this.plain('attachment', { file: f, folder: 'scans' });
          const cl = this.newItem();
          this.put(a, cl, 'first');
          this.put(this.backupCopy(a), cl, 'exact', rng.chance(0.5));
          break;
        }
        case 4: {
          // unknown tenant id: matches nobody
          const [a, b] = this.twoStaff();
          this.baseEmail({
            from: a,
            to: [b],
            subject: 'Orphaned subscription cleanup',
            greet: b.first,
            tenantIds: [rng.guid()],
          });
          break;
        }
        case 5: {
          // the same short text twice: too short for "same text", so two items
          const [a, b] = this.twoStaff();
          const text = rng.pick(['Thanks, received.', 'Noted, thank you!', 'Looks good to me.']);
          this.put(
            this.email({ from: a, to: [b], subject: `Ack ${rng.int(10000, 99999)}`, body: text }),
            this.newItem(),
            'first',
          );
          this.put(
            this.email({ from: b, to: [a], subject: `Ack ${rng.int(10000, 99999)}`, body: text }),
            this.newItem(),
            'first',
          );
          break;
        }
      }
    }
  }

  // ── garbage ──

  private garbageLine(kind: GarbageKind): void {
    const rng = this.rng;
    const pro = this.quarantineVictim;
    const victim = pro ? pro.staff[0]! : (this.fallbackVictim ??= this.ns.person('example.org', 'US', true));
    const vAddr = victim.email!.shown;
    const id = () => this.nextId();
    const baseRec = (): Json => ({
      recordId: id(),
      kind: 'email',
      subject: `Contract for ${pro?.name ?? 'review'}`,
      from: this.staffPick().email!.shown,
      to: [vAddr],
      body: 'Hello, please review.',
    });
    let line: string;
    let pattern: string;
    switch (kind) {
      case 'notJson':
        line = JSON.stringify(baseRec()).slice(0, 60);
        pattern = QUARANTINE_PATTERNS.notJson;
        break;
      case 'singleQuotes':
        line = `{'recordId': '${id()}', 'kind': 'email'}`;
        pattern = QUARANTINE_PATTERNS.notJson;
        break;
      case 'array':
        line = JSON.stringify([baseRec()]);
        pattern = QUARANTINE_PATTERNS.notObject;
        break;
      case 'null':
        line = 'null';
        pattern = QUARANTINE_PATTERNS.notObject;
        break;
      case 'missingRecordId': {
        const r = baseRec();
        delete r.recordId;
        line = JSON.stringify(r);
        pattern = QUARANTINE_PATTERNS.missingRecordId;
        break;
      }
      case 'missingKind': {
        const r = baseRec();
        delete r.kind;
        line = JSON.stringify(r);
        pattern = QUARANTINE_PATTERNS.missingKind;
        break;
      }
      case 'unknownKind':
        line = JSON.stringify({ ...baseRec(), kind: rng.pick(['calendar', 'chat', 'sms']) });
        pattern = QUARANTINE_PATTERNS.unknownKind;
        break;
      case 'toString':
        line = JSON.stringify({ ...baseRec(), to: vAddr });
        pattern = QUARANTINE_PATTERNS.wrongType;
        break;
      // A list field that is not a list at all quarantines the line; one entry of the wrong type
      // (`to: [addr, 42]`, `people: ["name"]`) would cost only that entry (docs/deduplication.md).
      case 'toNumber':
        line = JSON.stringify({ ...baseRec(), to: 42 });
        pattern = QUARANTINE_PATTERNS.wrongType;
        break;
      case 'peopleObject':
        line = JSON.stringify({ ...baseRec(), people: { name: victim.name, email: vAddr } });
        pattern = QUARANTINE_PATTERNS.wrongType;
        break;
      case 'bodyTooBig':
        line = JSON.stringify({
          ...baseRec(),
          body: 'All work and no play. '.repeat(Math.ceil((512 * 1024 + 4096) / 22)),
        });
        pattern = QUARANTINE_PATTERNS.overSize;
        break;
      case 'subjectTooBig':
        line = JSON.stringify({ ...baseRec(), subject: 'Quarterly '.repeat(210) });
        pattern = QUARANTINE_PATTERNS.overSize;
        break;
      case 'recordIdTooLong':
        line = JSON.stringify({ ...baseRec(), recordId: `R${'0'.repeat(220)}` });
        pattern = QUARANTINE_PATTERNS.overSize;
        break;
      case 'addressTooLong':
        line = JSON.stringify({ ...baseRec(), to: [`${'a'.repeat(330)}@example.org`] });
        pattern = QUARANTINE_PATTERNS.overSize;
        break;
      case 'arrayTooLong':
        line = JSON.stringify({ ...baseRec(), cc: Array.from({ length: 2001 }, (_, i) => `user${i}@example.org`) });
        pattern = QUARANTINE_PATTERNS.overSize;
        break;
      case 'lineTooBig':
        // no field over its limit, but the line is over 1 MiB
        line = JSON.stringify({ ...baseRec(), mimeRaw: 'QUJD'.repeat(300_000) });
        pattern = QUARANTINE_PATTERNS.overSize;
        break;
      case 'control01':
        line = JSON.stringify({ ...baseRec(), subject: `Contract\u0001 ${rng.int(1, 99)}` });
        pattern = QUARANTINE_PATTERNS.controlChar;
        break;
      case 'controlDel':
        line = JSON.stringify({ ...baseRec(), body: 'Hello,\u007f please review.' });
        pattern = QUARANTINE_PATTERNS.controlChar;
        break;
      case 'controlC1':
        line = JSON.stringify({ ...baseRec(), people: [{ name: `${victim.name}\u0085`, email: vAddr }] });
        pattern = QUARANTINE_PATTERNS.controlChar;
        break;
      case 'controlNested':
        line = JSON.stringify({ ...baseRec(), source: { container: 'bluebleed-prod', path: 'mail/\u0002broken.eml' } });
        pattern = QUARANTINE_PATTERNS.controlChar;
        break;
      case 'duplicateId':
        line = JSON.stringify({
          recordId: this.lastAccepted,
          kind: 'contact',
          people: [{ name: victim.name, email: vAddr }],
        });
        pattern = QUARANTINE_PATTERNS.duplicateRecordId;
        break;
    }
    if (rng.chance(0.1)) line += '\r';
    this.pending.push(line);
    this.lineNo++;
    this.quarantined.push({ line: this.lineNo, reasonPattern: pattern });
  }
}
