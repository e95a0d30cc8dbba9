/**
 * The committed openapi.json is the document the controllers produce: a change to an endpoint,
 * its schema or its responses without `npm run openapi` fails here.
 */
import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApiJson } from '../apps/api/src/ops/openapi-file.js';

/** The first few operations that differ, to say what changed. */
function differences(
  committed: { paths?: Record<string, object> },
  current: { paths?: Record<string, object> },
): string[] {
  const keys = new Set([...Object.keys(committed.paths ?? {}), ...Object.keys(current.paths ?? {})]);
  return [...keys]
    .filter((k) => JSON.stringify(committed.paths?.[k]) !== JSON.stringify(current.paths?.[k]))
    .slice(0, 5);
}

describe('OpenAPI document', () => {
  it('is in step with the code', async () => {
    const current = await renderOpenApiJson();
    let committed: string;
    try {
      committed = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      throw new Error('openapi.json is missing: run `npm run openapi` and commit it');
    }
    if (committed !== current) {
      const changed = differences(JSON.parse(committed), JSON.parse(current));
      throw new Error(
        `openapi.json is out of date${changed.length ? ` (${changed.join(', ')})` : ''}: run \`npm run openapi\` and commit it`,
      );
    }
    const doc = JSON.parse(current) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    // every operator and inbox operation documents its errors
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops))
        expect([`${method} ${path}`, Object.keys(op.responses).some((s) => s.startsWith('4'))]).toEqual([
          `${method} ${path}`,
          true,
        ]);
    }
  });
});
