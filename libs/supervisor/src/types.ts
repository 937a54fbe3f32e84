/** Lifecycle of a supervised process as reported by `info().state`. */
export type ProcessState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed' | 'stopping';

/** How a child ended: exactly one of `code` and `signal` is set, or neither when it could not be spawned. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** An `ExitInfo` stamped with the time it happened (ISO 8601). */
export interface ExitRecord extends ExitInfo {
  at: string;
}

/** HTTP readiness probe: GET the URL until it answers acceptably or the deadline passes. */
export interface ReadinessOptions {
  /** A path on 127.0.0.1 (e.g. `/api/status`) or a function building the full URL from the port. Default `/`. */
  url?: string | ((port: number) => string);
  /** Deadline for the whole probe, measured from the spawn. */
  timeoutMs: number;
  /** Which status codes mean ready; by default any HTTP answer does, as in jupyter-server-proxy. */
  accept?: (status: number) => boolean;
}

/** Automatic restart after an exit nobody asked for. */
export interface RestartOptions {
  /** Default true. */
  enabled?: boolean;
  /** Restart after a clean exit (code 0) too; default true. */
  always?: boolean;
  /** First delay before a restart; doubles after each restart up to `maxBackoffMs`. Default 250. */
  initialBackoffMs?: number;
  /** Default 5000. */
  maxBackoffMs?: number;
  /** A process that stayed up this long starts again from `initialBackoffMs`. Default 10000. */
  resetAfterMs?: number;
}

/** Everything needed to start, probe, restart and stop one child process. */
export interface SupervisedProcessOptions {
  name: string;
  /** argv; `{port}` and `{base_url}` are rendered at each start. */
  command: string[];
  /** Fixed port; by default a free loopback port is picked once and kept across restarts. */
  port?: number;
  /** Rendered as `{base_url}`; default `/`. */
  baseUrl?: string;
  /** Merged over the parent's environment; values are templates like `command`. */
  environment?: Record<string, string>;
  cwd?: string;
  readiness: ReadinessOptions;
  restart?: RestartOptions;
  /** Time between SIGTERM and SIGKILL on stop; default 5000. */
  stopSignalGraceMs?: number;
  /** How many lines of stdout+stderr to keep; default 500. */
  logLines?: number;
  /** Runs before the signals on stop (e.g. `POST /api/shutdown`), only if the process is running. */
  beforeStop?: (info: ProcessInfo) => Promise<void>;
  /** Cap on `beforeStop`; default 5000. */
  beforeStopTimeoutMs?: number;
}

/** A snapshot of a supervised process, shaped for `GET /server/processes`. */
export interface ProcessInfo {
  name: string;
  state: ProcessState;
  pid: number | null;
  port: number | null;
  restarts: number;
  startedAt: string | null;
  lastExit: ExitRecord | null;
}

/** Events of `SupervisedProcess`, for Node's typed `EventEmitter`. */
export interface SupervisorEvents {
  state: [state: ProcessState];
  ready: [];
  exit: [exit: ExitInfo];
  /** The process is ready again after an unexpected exit or `restart()`: anything it held (kernels) is gone. */
  restarted: [];
  log: [line: string];
}
