// Reads a V8 .cpuprofile (node --cpu-prof) and sums self and total time per function, and
// self time per area (pop3kit's dist/src, Node internals, GC, idle), for docs/performance.md.
import * as fs from 'node:fs';

function area(url, name) {
  if (name === '(idle)') return 'idle (waiting for the socket)';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'V8/native (program)';
  if (url.includes('/dist/src/')) return 'pop3kit (dist/src)';
  if (url.includes('/bench/')) return 'bench script';
  if (url.startsWith('node:')) return 'Node internals (JS)';
  if (url === '') return 'native/builtins';
  return 'other';
}

const shortUrl = (url) => url.replace(/^file:\/\/.*?\/(dist|bench)\//, '$1/');

/** Summarises one profile: `{ totalMs, areas: [[area, ms]], functions: [{ name, selfMs, totalMs }] }`. */
export function summarise(path) {
  const profile = JSON.parse(fs.readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Sample counts per node, weighted by the time delta each sample stands for.
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const key = (node) => {
    const f = node.callFrame;
    return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  };
  const functions = new Map();
  const areas = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    totalUs += us;
    const k = key(node);
    const entry = functions.get(k) ?? { name: k, selfUs: 0, totalUs: 0 };
    entry.selfUs += us;
    functions.set(k, entry);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    // Inclusive time: every distinct function on the stack above this sample gets it once.
    const seen = new Set();
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const up = key(byId.get(at));
      if (seen.has(up)) continue;
      seen.add(up);
      const upEntry = functions.get(up) ?? { name: up, selfUs: 0, totalUs: 0 };
      upEntry.totalUs += us;
      functions.set(up, upEntry);
    }
  }
  for (const entry of functions.values()) entry.totalUs += entry.selfUs;
  const ms = (us) => Math.round(us / 100) / 10;
  return {
    totalMs: ms(totalUs),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([name, us]) => [name, ms(us)]),
    functions: [...functions.values()]
      .sort((a, b) => b.selfUs - a.selfUs)
      .map((f) => ({ name: f.name, selfMs: ms(f.selfUs), totalMs: ms(f.totalUs) })),
  };
}

/** The summary as text: areas, then the top functions by self time. */
export function format(summary, top = 25) {
  const lines = [`sampled ${summary.totalMs} ms`];
  for (const [name, ms] of summary.areas) {
    lines.push(
      `  ${String(ms).padStart(8)} ms  ${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%  ${name}`,
    );
  }
  lines.push('  self ms   total ms  function');
  for (const f of summary.functions.slice(0, top)) {
    lines.push(`  ${String(f.selfMs).padStart(7)}  ${String(f.totalMs).padStart(9)}  ${f.name}`);
  }
  return lines.join('\n');
}
