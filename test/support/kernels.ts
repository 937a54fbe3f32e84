import { execFileSync } from 'node:child_process';
import type { TestD1 } from './d1';

/** One NDJSON line of `POST /kernels/{id}/execute`. */
export interface ExecLine {
  channel: string;
  msg_type: string;
  msg_id: string;
  parent_msg_id: string | null;
  content: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A finished streaming execution: status, content type, every line and when the stream ended. */
export interface ExecResult {
  status: number;
  contentType: string | null;
  lines: ExecLine[];
  /** The body when the answer was not a stream (an error JSON). */
  json: unknown;
  endedAt: number;
}

/**
 * Runs `code` on a kernel through d1's streaming execute, reading the NDJSON body as it arrives; `onLine` sees
 * each line the moment it is parsed (to interrupt, or to time things).
 */
export async function executeStream(
  d1: TestD1,
  kernelId: string,
  code: string,
  onLine?: (line: ExecLine) => void,
): Promise<ExecResult> {
  const res = await fetch(`${d1.baseUrl}/kernels/${encodeURIComponent(kernelId)}/execute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await d1.token()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const contentType = res.headers.get('content-type');
  if (!contentType?.startsWith('application/x-ndjson')) {
    const text = await res.text();
    return { status: res.status, contentType, lines: [], json: JSON.parse(text), endedAt: Date.now() };
  }
  const lines: ExecLine[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = JSON.parse(pending.slice(0, nl)) as ExecLine;
      pending = pending.slice(nl + 1);
      lines.push(line);
      onLine?.(line);
    }
  }
  if (pending.trim()) throw new Error(`stream ended with a partial line: ${pending}`);
  return { status: res.status, contentType, lines, json: undefined, endedAt: Date.now() };
}

/** `channel:msg_type` of each line, with status lines as `status:busy|idle`. */
export function kinds(lines: ExecLine[]): string[] {
  return lines.map((l) =>
    l.msg_type === 'status' ? `status:${l.content.execution_state}` : `${l.channel}:${l.msg_type}`,
  );
}

/**
 * Asserts the shape every execution stream has and returns its output lines. On iopub, in order: busy,
 * execute_input, the outputs, idle. The execute_reply travels on shell, a different channel that Jupyter
 * Server relays independently, so it may arrive anywhere after the request; exactly one must, and the
 * stream ends with whichever of reply and idle came last.
 */
/**
 * The execute_input of an execution. Found by type, not position: ipykernel publishes iopub from a thread of
 * its own, so on a loaded machine the shell reply of a short cell can arrive before it.
 */
export function executeInput(lines: ExecLine[]): ExecLine {
  const input = lines.find((l) => l.msg_type === 'execute_input');
  if (!input) throw new Error(`no execute_input among ${lines.map((l) => l.msg_type).join(', ')}`);
  return input;
}

export function expectExecutionShape(lines: ExecLine[]): ExecLine[] {
  const iopub = lines.filter((l) => l.channel === 'iopub');
  const k = kinds(iopub);
  expect(k.slice(0, 2)).toEqual(['status:busy', 'iopub:execute_input']);
  expect(k[k.length - 1]).toBe('status:idle');
  expect(k.filter((x) => x.startsWith('status:'))).toEqual(['status:busy', 'status:idle']);
  expect(kinds(lines.filter((l) => l.channel !== 'iopub'))).toEqual(['shell:execute_reply']);
  expect(['shell:execute_reply', 'status:idle']).toContain(kinds(lines)[lines.length - 1]);
  const parent = lines[0].parent_msg_id;
  expect(parent).toEqual(expect.any(String));
  for (const l of lines) expect(l.parent_msg_id).toBe(parent);
  return iopub.slice(2, -1);
}

/** Pids of the direct children of `pid` (the kernels of a Jupyter Server). */
export function childPids(pid: number): number[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((s) => parseInt(s.trim(), 10))
      .filter((n) => Number.isInteger(n));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Whether a process exists (and is not a zombie waiting to be reaped). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat !== '' && !stat.startsWith('Z');
  } catch {
    return false;
  }
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Prints a measured figure. d1 routes `console.log` into its logger (quiet in tests), so this writes to
 * stdout directly.
 */
export function report(text: string): void {
  process.stdout.write(`  [measured] ${text}\n`);
}
