import { spawn } from 'node:child_process';
import { LineSplitter } from './log-buffer';
import type { ExitInfo } from './types';

/** Process groups still alive, so a dying parent can take them along. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** SIGKILLs every supervised process group still alive; synchronous, for last-resort exit paths. */
export function killAllSync(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

function track(pgid: number): void {
  liveGroups.add(pgid);
  if (!exitHookInstalled) {
    // 'exit' handlers must be synchronous; one shared handler keeps clear of MaxListeners warnings.
    process.on('exit', killAllSync);
    exitHookInstalled = true;
  }
}

/** Sends `signal` to the whole process group led by `pgid`; false when nothing was left to signal. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** A child spawned as the leader of its own process group, with its output split into lines. */
export class GroupChild {
  readonly pid: number | null;
  /** Set synchronously when the leader exits, before `exited` settles. */
  exit: ExitInfo | null = null;
  spawnError: Error | null = null;
  readonly exited: Promise<ExitInfo>;
  /** Settles when stdout and stderr are closed, i.e. all output has been seen. */
  readonly drained: Promise<void>;

  constructor(
    argv: string[],
    options: { env: NodeJS.ProcessEnv; cwd?: string },
    onLine: (line: string) => void,
  ) {
    const [file, ...args] = argv;
    // detached: a group of its own, so signals reach grandchildren (kernels) and the terminal's Ctrl-C does not.
    const child = spawn(file, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = child.pid ?? null;
    if (this.pid !== null) track(this.pid);
    this.exited = new Promise((resolve) => {
      const finish = (exit: ExitInfo): void => {
        if (this.exit) return;
        this.exit = exit;
        // Whatever the leader left behind in its group goes with it: no orphans.
        if (this.pid !== null) {
          signalGroup(this.pid, 'SIGKILL');
          liveGroups.delete(this.pid);
        }
        resolve(exit);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.on('error', (err) => {
        if (this.pid !== null) return;
        this.spawnError = err;
        finish({ code: null, signal: null });
      });
    });
    this.drained = new Promise((resolve) => child.once('close', () => resolve()));
    for (const stream of [child.stdout, child.stderr]) {
      const splitter = new LineSplitter(onLine);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => splitter.write(chunk));
      stream.once('end', () => splitter.end());
    }
  }
}

/** Ends a child: SIGTERM to its group, SIGKILL after `graceMs` (at once when 0); resolves once reaped. */
export async function terminate(child: GroupChild, graceMs: number): Promise<ExitInfo> {
  if (child.exit || child.pid === null) return child.exited;
  if (graceMs > 0 && signalGroup(child.pid, 'SIGTERM')) {
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), graceMs)));
    const exit = await Promise.race([child.exited, graceOver]);
    clearTimeout(timer);
    if (exit) return exit;
  }
  signalGroup(child.pid, 'SIGKILL');
  return child.exited;
}
