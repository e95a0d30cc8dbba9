/**
 * `npm run openapi`: writes openapi.json at the repository root from the controllers, without
 * listening. The test in test/openapi.e2e-spec.ts fails when the committed file is out of step.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

process.env.LOG_LEVEL ||= 'warn';
const { OPENAPI_FILE, renderOpenApiJson } = await import('../apps/api/src/ops/openapi-file.js');
try {
  const json = await renderOpenApiJson();
  writeFileSync(OPENAPI_FILE, json);
  const doc = JSON.parse(json) as { paths: Record<string, object> };
  process.stderr.write(
    `openapi: ${Object.keys(doc.paths).length} paths written to ${relative(process.cwd(), OPENAPI_FILE) || OPENAPI_FILE}\n`,
  );
  process.exit(0);
} catch (err) {
  process.stderr.write(`openapi: ${(err as Error).message}\n`);
  process.exit(1);
}
