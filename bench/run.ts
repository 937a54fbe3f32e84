import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './support/d1-process';
import { concurrency } from './concurrency.bench';
import { fanoutBench } from './fanout.bench';
import { firstResult } from './first-result.bench';
import { flood } from './flood.bench';
import { mcp } from './mcp.bench';
import { roundtrip } from './roundtrip.bench';
import { startup } from './startup.bench';
import { web } from './web.bench';

type Bench = () => Promise<Record<string, unknown>>;

const BENCHES: Record<string, Bench> = {
  roundtrip,
  fanout: fanoutBench,
  flood,
  startup,
  concurrency,
  mcp,
  web,
  first_result: firstResult,
};

/** Runs the benchmarks named in BENCH_ONLY (comma-separated; default all), one JSON object per line. */
async function main(): Promise<void> {
  // @jupyterlab/services logs connection chatter on the console; stdout carries only the JSON results.
  console.log =
    console.info =
    console.debug =
      (...args: unknown[]) => process.stderr.write(args.join(' ') + '\n');
  const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
  const results: Record<string, unknown>[] = [];
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (only.length > 0 && !only.includes(name)) continue;
    let result: Record<string, unknown>;
    try {
      result = await bench();
    } catch (err) {
      result = { benchmark: name, error: (err as Error).stack ?? String(err) };
    }
    results.push(result);
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const run = { date: new Date().toISOString(), node: process.version, results };
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(run, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
