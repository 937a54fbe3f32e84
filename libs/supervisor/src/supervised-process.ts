import { EventEmitter } from 'node:events';
import { LogBuffer } from './log-buffer';
import { freePort } from './port';
import { GroupChild, terminate } from './process-group';
import { delay, ReadyOutcome, waitUntilReady } from './readiness';
import { renderTemplate } from './template';
import type {
  ExitInfo,
  ExitRecord,
  ProcessInfo,
  ProcessState,
  SupervisedProcessOptions,
  SupervisorEvents,
} from './types';

const DEFAULT_GRACE_MS = 5000;
const DEFAULT_LOG_LINES = 500;
const DEFAULT_BEFORE_STOP_TIMEOUT_MS = 5000;
const DEFAULT_BACKOFF = { initialBackoffMs: 250, maxBackoffMs: 5000, resetAfterMs: 10_000 };
/** Output lines quoted in a start error: enough for a traceback's end, short enough to read. */
const ERROR_TAIL_LINES = 10;
/** How long a failed start waits for the child's last output before quoting it. */
const DRAIN_WAIT_MS = 500;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeExit({ code, signal }: ExitInfo): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Starts a child process, waits until it answers HTTP, restarts it when it dies and stops it without orphans. */
export class SupervisedProcess extends EventEmitter<SupervisorEvents> {
  private state: ProcessState = 'stopped';
  private child: GroupChild | null = null;
  private port: number | null;
  private restarts = 0;
  private startedAt: string | null = null;
  private lastExit: ExitRecord | null = null;
  private readonly output: LogBuffer;
  private readonly backoff: typeof DEFAULT_BACKOFF;
  private nextBackoffMs: number;
  /** Aborted by stop(): cancels a pending readiness probe or restart pause. */
  private run: AbortController | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: SupervisedProcessOptions) {
    super();
    this.port = options.port ?? null;
    this.output = new LogBuffer(options.logLines ?? DEFAULT_LOG_LINES);
    const restart = options.restart ?? {};
    this.backoff = {
      initialBackoffMs: restart.initialBackoffMs ?? DEFAULT_BACKOFF.initialBackoffMs,
      maxBackoffMs: restart.maxBackoffMs ?? DEFAULT_BACKOFF.maxBackoffMs,
      resetAfterMs: restart.resetAfterMs ?? DEFAULT_BACKOFF.resetAfterMs,
    };
    this.nextBackoffMs = this.backoff.initialBackoffMs;
  }

  /** The configured name. */
  get name(): string {
    return this.options.name;
  }

  /** A snapshot of state, pid, port, restarts and the last exit. */
  info(): ProcessInfo {
    const { state, port, restarts, startedAt, lastExit } = this;
    return {
      name: this.options.name,
      state,
      pid: this.child?.pid ?? null,
      port,
      restarts,
      startedAt,
      lastExit,
    };
  }

  /** The last `n` lines of stdout and stderr (all kept lines by default), oldest first. */
  logs(n?: number): string[] {
    return this.output.tail(n);
  }

  /** Starts the process and resolves once it is ready; concurrent calls share one start. */
  start(): Promise<void> {
    if (this.stopping) return this.stopping.then(() => this.start());
    if (this.state === 'running') return Promise.resolve();
    if (this.starting) return this.starting;
    if (this.state === 'restarting') return this.untilRunning();
    this.starting = this.startFresh().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Stops gracefully (beforeStop, SIGTERM, SIGKILL after the grace) and never restarts; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow().finally(() => (this.stopping = null));
    return this.stopping;
  }

  /** Stops and starts again; emits `restarted` when ready, as after a crash. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
    this.restarts += 1;
    this.emit('restarted');
  }

  private setState(state: ProcessState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('state', state);
  }

  private async startFresh(): Promise<void> {
    const run = new AbortController();
    this.run = run;
    this.nextBackoffMs = this.backoff.initialBackoffMs;
    this.setState('starting');
    try {
      await this.launch(run.signal);
    } catch (err) {
      if (!run.signal.aborted) this.setState('failed');
      throw err;
    }
  }

  /** One attempt: spawn, probe, and either become `running` or kill the child and throw. */
  private async launch(signal: AbortSignal): Promise<void> {
    this.port ??= await freePort();
    if (signal.aborted) throw this.stoppedError();
    const child = this.spawn(this.port);
    const outcome = await this.awaitReadiness(child, this.port, signal);
    if (signal.aborted) throw this.stoppedError();
    // Checked in the same tick as the state change, so an exit is seen either here or by onExit.
    if (outcome.ready && !child.exit) {
      this.setState('running');
      this.emit('ready');
      return;
    }
    const exitedEarly = child.exit !== null;
    await terminate(child, 0);
    throw await this.startError(child, outcome, exitedEarly);
  }

  private spawn(port: number): GroupChild {
    const vars = { port, base_url: this.options.baseUrl ?? '/' };
    const env = { ...process.env, ...renderTemplate(this.options.environment ?? {}, vars) };
    const argv = renderTemplate(this.options.command, vars);
    const child = new GroupChild(argv, { env, cwd: this.options.cwd }, (line) => this.onLine(line));
    this.child = child;
    this.startedAt = new Date().toISOString();
    void child.exited.then((exit) => this.onExit(child, exit));
    return child;
  }

  private async awaitReadiness(child: GroupChild, port: number, signal: AbortSignal): Promise<ReadyOutcome> {
    // Fail fast: an exited child or a stop ends the wait, not just the deadline.
    const local = new AbortController();
    const abort = (): void => local.abort();
    signal.addEventListener('abort', abort, { once: true });
    void child.exited.then(abort);
    const { timeoutMs, accept = () => true } = this.options.readiness;
    try {
      return await waitUntilReady(this.readinessUrl(port), timeoutMs, accept, local.signal);
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private readinessUrl(port: number): string {
    const url = this.options.readiness.url ?? '/';
    if (typeof url === 'function') return url(port);
    return `http://127.0.0.1:${port}${url.startsWith('/') ? url : `/${url}`}`;
  }

  private async startError(child: GroupChild, outcome: ReadyOutcome, exitedEarly: boolean): Promise<Error> {
    const { name, readiness } = this.options;
    let reason: string;
    if (child.spawnError) reason = `could not be started: ${child.spawnError.message}`;
    else if (exitedEarly && child.exit) reason = `${describeExit(child.exit)} before it was ready`;
    else {
      const status = outcome.ready ? null : outcome.lastStatus;
      const answer = status === null ? 'no HTTP answer' : `last answer HTTP ${status}`;
      reason = `was not ready within ${readiness.timeoutMs} ms (${answer} from ${this.readinessUrl(this.port ?? 0)})`;
    }
    // The last lines (a traceback, "address in use") may still be in the pipes when the exit is seen.
    await Promise.race([child.drained, delay(DRAIN_WAIT_MS)]);
    const tail = this.output.tail(ERROR_TAIL_LINES);
    const output = tail.length
      ? `Last output:\n${tail.map((l) => `  ${l}`).join('\n')}`
      : 'It printed nothing.';
    return new Error(`${name} ${reason}. ${output}`);
  }

  private stoppedError(): Error {
    return new Error(`${this.options.name} was stopped before it was ready.`);
  }

  private onLine(line: string): void {
    this.output.push(line);
    this.emit('log', line);
  }

  /** Our own notes go into the same log, so `logs()` tells the whole story of a crash. */
  private note(text: string): void {
    this.onLine(`[supervisor] ${this.options.name} ${text}`);
  }

  private onExit(child: GroupChild, exit: ExitInfo): void {
    const at = new Date();
    this.lastExit = { ...exit, at: at.toISOString() };
    this.emit('exit', exit);
    if (child !== this.child) return;
    this.child = null;
    // Exits during start, restart or stop are handled by whoever is waiting on them.
    if (this.state !== 'running') return;
    const { enabled = true, always = true } = this.options.restart ?? {};
    if (!enabled || (!always && exit.code === 0)) {
      this.note(`${describeExit(exit)}; not restarting.`);
      this.setState(exit.code === 0 ? 'stopped' : 'failed');
      return;
    }
    const upMs = at.getTime() - Date.parse(this.startedAt ?? at.toISOString());
    if (upMs >= this.backoff.resetAfterMs) this.nextBackoffMs = this.backoff.initialBackoffMs;
    this.note(`${describeExit(exit)}; restarting in ${this.nextBackoffMs} ms.`);
    void this.restartLoop();
  }

  private async restartLoop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.setState('restarting');
    while (!run.signal.aborted) {
      const pause = this.nextBackoffMs;
      this.nextBackoffMs = Math.min(pause * 2, this.backoff.maxBackoffMs);
      await delay(pause, run.signal);
      if (run.signal.aborted) return;
      this.restarts += 1;
      try {
        await this.launch(run.signal);
        this.emit('restarted');
        return;
      } catch (err) {
        if (!run.signal.aborted) this.note(`restart failed: ${errorMessage(err).split('\n')[0]}`);
      }
    }
  }

  /** What start() returns while a restart is under way: the next `running`, or an error. */
  private untilRunning(): Promise<void> {
    const timeoutMs = this.options.readiness.timeoutMs + this.backoff.maxBackoffMs;
    return new Promise((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.off('state', onState);
        if (err) reject(err);
        else resolve();
      };
      const onState = (state: ProcessState): void => {
        if (state === 'running') finish();
        else if (state !== 'restarting') finish(new Error(`${this.options.name} is ${state}, not running.`));
      };
      const timer = setTimeout(
        () =>
          finish(new Error(`${this.options.name} is restarting and was not ready within ${timeoutMs} ms.`)),
        timeoutMs,
      );
      this.on('state', onState);
    });
  }

  private async stopNow(): Promise<void> {
    const starting = this.starting;
    const child = this.child;
    const wasRunning = this.state === 'running';
    this.run?.abort();
    this.run = null;
    if (this.state === 'stopped') return;
    this.setState('stopping');
    if (child && !child.exit) {
      if (wasRunning) await this.runBeforeStop();
      await terminate(child, this.options.stopSignalGraceMs ?? DEFAULT_GRACE_MS);
    }
    await starting?.catch(() => undefined);
    this.setState('stopped');
  }

  private async runBeforeStop(): Promise<void> {
    const hook = this.options.beforeStop;
    if (!hook) return;
    const timeoutMs = this.options.beforeStopTimeoutMs ?? DEFAULT_BEFORE_STOP_TIMEOUT_MS;
    const cancel = new AbortController();
    try {
      const timedOut = delay(timeoutMs, cancel.signal).then(() => {
        if (!cancel.signal.aborted) throw new Error(`timed out after ${timeoutMs} ms`);
      });
      await Promise.race([hook(this.info()), timedOut]);
    } catch (err) {
      this.note(`beforeStop failed (${errorMessage(err)}); stopping with signals.`);
    } finally {
      cancel.abort();
    }
  }
}
