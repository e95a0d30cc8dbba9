import { it } from '@jest/globals';
import { DirectoryIndex, type DirectoryTenant } from './directory-index.js';
import { attributeRecord } from './attribute-record.js';
import { DecisionAccumulator } from './decide.js';
import { record } from './attribution.test-helpers.js';
it('perf', () => {
  const tenants: DirectoryTenant[] = [];
  for (let i = 0; i < 100_000; i++) tenants.push({ id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, name: `Company ${i} Holdings Ltd`, aliases: [], domains: [`company${i}.com`], phones: [`+1425${(5550000 + i).toString().padStart(7, '0')}`], contacts: [{ email: `admin${i}@company${i}.com`, roles: [] }] });
  const idx = DirectoryIndex.build(tenants, ['microsoft.com']);
  const recs = [];
  for (let i = 0; i < 200_000; i++) { const a = (i * 7919) % 100_000, b = (i * 104729) % 100_000; recs.push(record({ recordId: `R${i}`, from: `p${i % 50}@company${a}.com`, to: [`x@company${b}.com`, 'ana@microsoft.com', `u${i}@gmail.com`], people: [{ name: `Person ${i}`, email: `p${i % 50}@company${a}.com`, phone: `+1425${(5550000 + a).toString().padStart(7, '0')}` }], companies: [`Company ${a} Holdings`], subject: 's', hasBody: true, files: [{ fileName: `f${i % 1000}.pdf`, sha256: `h${i % 1000}` }] })); }
  let t0 = performance.now();
  const ras = recs.map((r) => attributeRecord(r, idx));
  const ta = performance.now();
  console.log(`attribute only ${(recs.length / ((ta - t0) / 1000)).toFixed(0)} rec/s`);
  t0 = performance.now();
  const acc = new DecisionAccumulator();
  for (let i = 0; i < recs.length; i++) acc.add(ras[i]!, `item-${i % 150000}`);
  const t1 = performance.now();
  console.log(`add only ${(recs.length / ((t1 - t0) / 1000)).toFixed(0)} rec/s`);
  const out = acc.finish([]);
  const t2 = performance.now();
  console.log(`attribute+add ${(recs.length / ((t1 - t0) / 1000)).toFixed(0)} rec/s; finish ${(t2 - t1).toFixed(0)} ms; decisions ${out.decisions.length}; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
});
