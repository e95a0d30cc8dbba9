import { userInfo } from 'node:os';

/** Who runs the CLI: OPERATOR_NAME, else the login name; the name OPERATOR_ROLES lists. */
export function operatorName(): string {
  let login = 'unknown';
  try {
    login = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return process.env.OPERATOR_NAME?.trim() || login;
}

/** Who runs the CLI, for the audit log. */
export function cliOperator(): string {
  return `cli:${operatorName()}`;
}
