import { SetMetadata } from '@nestjs/common';

/**
 * What an operator may do (docs/contracts.md §5, "Operator roles"). Every operator is at least a
 * viewer; `admin` holds every role. The API and the CLI check the same table.
 */
export const OPERATOR_ROLES = ['viewer', 'reviewer', 'approver', 'sender', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** OPERATOR_ROLES parsed: each operator name with the roles it was given; null when the setting is unset. */
export type OperatorRoleTable = ReadonlyMap<string, readonly OperatorRole[]>;

const isRole = (s: string): s is OperatorRole => (OPERATOR_ROLES as readonly string[]).includes(s);

/**
 * Parses `alice:admin,bob:reviewer+approver`: one entry per operator name, roles joined by `+`.
 * Throws with the reason for the first bad entry (the configuration reports it at start).
 */
export function parseOperatorRoles(value: string): Map<string, OperatorRole[]> {
  const table = new Map<string, OperatorRole[]>();
  for (const entry of value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const i = entry.indexOf(':');
    const name = entry.slice(0, i).trim();
    // the entry is the operator's configuration, not a secret: quoting it (shortened) helps find the typo
    const shown = JSON.stringify(entry.slice(0, 80));
    if (i < 1 || !name) throw new Error(`entry ${shown} must be name:role (roles joined by +)`);
    const roles = entry
      .slice(i + 1)
      .split('+')
      .map((r) => r.trim());
    for (const role of roles) {
      if (!isRole(role))
        throw new Error(`entry ${shown}: "${role.slice(0, 40)}" is no role (roles: ${OPERATOR_ROLES.join(', ')})`);
    }
    if (table.has(name)) throw new Error(`operator ${JSON.stringify(name)} is listed twice`);
    table.set(name, [...new Set(roles as OperatorRole[])]);
  }
  if (table.size === 0) throw new Error('names no operator (unset it to give every operator every role)');
  return table;
}

/** Warned at start when OPERATOR_ROLES is unset. */
export const EVERY_ROLE_WARNING =
  'OPERATOR_ROLES is unset: every operator has every role (approve, launch, preview a tenant, import); set it to restrict them';

/**
 * Who holds which role. Unset table: everyone holds every role. Set: an operator it does not list
 * is a viewer only.
 */
export class OperatorRoles {
  constructor(private readonly table: OperatorRoleTable | null | undefined) {}

  /** false when OPERATOR_ROLES is unset (everyone may do everything) */
  get configured(): boolean {
    return !!this.table;
  }

  has(operator: string, role: OperatorRole): boolean {
    if (!this.table) return true;
    if (role === 'viewer') return true;
    const held = this.table.get(operator) ?? [];
    return held.includes('admin') || held.includes(role);
  }

  /** Every role the operator holds, in the table's order (viewer always among them). */
  held(operator: string): OperatorRole[] {
    return OPERATOR_ROLES.filter((role) => this.has(operator, role));
  }

  /** The refusal for an operator who lacks `role`, or null when they hold it. */
  refusal(operator: string, role: OperatorRole): string | null {
    return this.has(operator, role) ? null : `operator ${operator} lacks role ${role}`;
  }
}

export const REQUIRED_ROLE = 'operatorRole';

/** A route's role, and a stronger one for some of its uses (`?tenant=`: one tenant's data). */
export interface RoleRule {
  role: OperatorRole;
  /** `role` applies when the query has parameter `query` (equal to `value`, when given) */
  elevated?: { query: string; value?: string; role: OperatorRole };
}

/**
 * The role an operator route needs, read by OperatorAuthGuard. A route of a guarded controller
 * without one is refused to everyone: a new route is closed until its role is chosen.
 */
export const RequireRole = (role: OperatorRole, elevated?: RoleRule['elevated']) =>
  SetMetadata(REQUIRED_ROLE, { role, ...(elevated ? { elevated } : {}) } satisfies RoleRule);

/** The role a request needs under a rule, given its parsed query string. */
export function roleFor(rule: RoleRule, query: Record<string, unknown> | undefined): OperatorRole {
  const e = rule.elevated;
  if (!e) return rule.role;
  const given = query?.[e.query];
  // any form of the parameter (repeated, empty) counts as asking: the validation refuses the odd ones later
  return given !== undefined && (e.value === undefined || given === e.value) ? e.role : rule.role;
}

/**
 * Whether two audited actors are the same operator: the CLI records `cli:<name>`, the API the
 * token's name, and the same person may use both.
 */
export function sameOperator(a: string, b: string): boolean {
  const bare = (s: string) => s.replace(/^cli:/, '');
  return bare(a) === bare(b);
}
