import { userInfo } from 'node:os';

/** Who runs the CLI, for the audit log: OPERATOR_NAME, else the login name. */
export function cliOperator(): string {
  let login = 'unknown';
  try {
    login = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return `cli:${process.env.OPERATOR_NAME?.trim() || login}`;
}
