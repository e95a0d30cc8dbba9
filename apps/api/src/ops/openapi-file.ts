import { join } from 'node:path';
import { createApiApp } from '../create-app.js';
import { buildOpenApiDocument, REPO_ROOT } from './openapi.js';

/** openapi.json at the repository root. */
export const OPENAPI_FILE = join(REPO_ROOT, 'openapi.json');

/** The document as it is committed: built from the application without listening, two-space JSON. */
export async function renderOpenApiJson(): Promise<string> {
  const app = await createApiApp();
  try {
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
