/**
 * Writes a generated test world into a folder:
 *   tenants.jsonl, exposure.jsonl (+ .gz with --gzip), exposure.csv, truth.json
 *
 *   node dist/scripts/generate-world.js --out DIR [--tenants N] [--seed S] [--gzip]
 *        [--no-garbage] [--operator-domain D]
 *
 * The data set is streamed to disk, so 100,000 tenants (about 750,000 lines) fit in memory.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { streamWorld, type WorldOptions, type WorldTruth } from '../libs/sample-world/world.js';

export interface WriteWorldResult {
  dir: string;
  files: string[];
  truth: WorldTruth;
  /** physical lines of exposure.jsonl, blank ones included (truth.scope.lines counts non-blank) */
  physicalLines: number;
  ms: number;
}

export async function writeWorld(dir: string, opts: WorldOptions & { gzip?: boolean } = {}): Promise<WriteWorldResult> {
  const started = Date.now();
  mkdirSync(dir, { recursive: true });
  const world = streamWorld(opts);
  const files: string[] = [];
  const text = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    files.push(name);
  };
  text('tenants.jsonl', world.tenantLines.join('\n') + '\n');
  text('exposure.csv', world.csvText);

  const sinks: { name: string; out: WriteStream; gz?: ReturnType<typeof createGzip> }[] = [
    { name: 'exposure.jsonl', out: createWriteStream(join(dir, 'exposure.jsonl')) },
  ];
  if (opts.gzip) {
    const gz = createGzip();
    const out = createWriteStream(join(dir, 'exposure.jsonl.gz'));
    gz.pipe(out);
    sinks.push({ name: 'exposure.jsonl.gz', out, gz });
    const tgz = createGzip();
    const tout = createWriteStream(join(dir, 'tenants.jsonl.gz'));
    tgz.pipe(tout);
    tgz.end(world.tenantLines.join('\n') + '\n');
    await once(tout, 'finish');
    files.push('tenants.jsonl.gz');
  }
  let lines = 0;
  let chunk: string[] = [];
  let size = 0;
  const flush = async () => {
    const data = chunk.join('');
    chunk = [];
    size = 0;
    for (const s of sinks) {
      const w = s.gz ?? s.out;
      if (!w.write(data)) await once(w, 'drain');
    }
  };
  for (const line of world.exposureLines) {
    chunk.push(line, '\n');
    size += line.length + 1;
    lines++;
    if (size >= 1 << 20) await flush();
  }
  await flush();
  for (const s of sinks) {
    if (s.gz) s.gz.end();
    else s.out.end();
    await once(s.out, 'finish');
    files.push(s.name);
  }
  const truth = world.truth();
  text('truth.json', JSON.stringify(truth));
  return { dir, files, truth, physicalLines: lines, ms: Date.now() - started };
}

function parseArgs(argv: string[]): { out: string; opts: WorldOptions & { gzip?: boolean } } {
  let out: string | undefined;
  const opts: WorldOptions & { gzip?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string) => {
      if (!/^\d+$/.test(v)) throw new Error(`${a} must be a non-negative integer, got ${v}`);
      return Number(v);
    };
    if (a === '--out') out = value();
    else if (a === '--tenants') opts.tenants = int(value());
    else if (a === '--seed') opts.seed = int(value());
    else if (a === '--gzip') opts.gzip = true;
    else if (a === '--no-garbage') opts.garbage = false;
    else if (a === '--operator-domain') opts.operatorDomain = value();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!out) throw new Error('--out DIR is required');
  return { out: resolve(out), opts };
}

async function main(): Promise<void> {
  try {
    const { out, opts } = parseArgs(process.argv.slice(2));
    const r = await writeWorld(out, opts);
    const decisions: Record<string, number> = {};
    for (const t of Object.values(r.truth.tenants)) decisions[t.expected] = (decisions[t.expected] ?? 0) + 1;
    process.stdout.write(
      JSON.stringify(
        {
          dir: r.dir,
          files: r.files,
          physicalLines: r.physicalLines,
          seconds: r.ms / 1000,
          scope: r.truth.scope,
          tenants: decisions,
        },
        null,
        2,
      ) + '\n',
    );
  } catch (e) {
    process.stderr.write(`generate-world: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
