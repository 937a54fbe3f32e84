// Prints the functions with the most self time in a V8 .cpuprofile (from `node --cpu-prof`, see BENCH_CPU_PROF):
//   node dist-bench/bench/cpu-profile-top.js FILE.cpuprofile [N] [SKIP_MS]   (SKIP_MS: ignore the start-up)
import { readFileSync } from 'node:fs';

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

function main(file: string, top: number, skipMs: number): void {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let t = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (t < skipMs * 1000) continue;
    const f = byId.get(prof.samples[i])!.callFrame;
    const where = f.url.replace(/^.*\/(node_modules|dist)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const lines = [`total ${(total / 1000).toFixed(0)} ms`];
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(
      `${(v / 1000).toFixed(1).padStart(8)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main(process.argv[2], Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0));
