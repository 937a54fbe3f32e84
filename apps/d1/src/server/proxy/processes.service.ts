import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SupervisedProcess } from '@d1/supervisor';
import { D1_CONFIG, D1Config } from '../../app-config';
import { readProxyServers } from '../../config';
import { conflict, D1Error, notFound } from '../../common/errors';
import { JupyterService } from '../../kernels/jupyter.service';
import type { LauncherEntry, ProxyServerSpec } from '../../proxy-config';

/** A supervised server d1 proxies at `/proxy/<name>/`. */
export interface ProxyTarget {
  name: string;
  process: SupervisedProcess;
  /** Whether the server sees the full `/proxy/<name>/...` path. */
  absoluteUrl: boolean;
  /** Headers d1 adds upstream (the embedded server's own token), after the user's were removed. */
  upstreamHeaders: Record<string, string>;
  launcherEntry: LauncherEntry;
  /** Every method needs write access (an administrative server); otherwise GET, HEAD and OPTIONS need read. */
  writeOnly: boolean;
  /** Its cookies are its own credentials (login, xsrf) and never reach a client. */
  dropCookies: boolean;
  /** Headers set on every response to the client, over the server's own. */
  responseHeaders: Record<string, string>;
  /** The last lines of its output, with its credentials blanked out. */
  logs(lines: number): string[];
}

/** One entry of `GET /server/processes`. */
export interface ProcessView {
  name: string;
  state: string;
  pid: number | null;
  port: number | null;
  restarts: number;
  started_at: string | null;
  last_exit: { code: number | null; signal: string | null; at: string } | null;
  url: string;
  absolute_url: boolean;
  launcher_entry: LauncherEntry;
}

/** Lines of output quoted when a start fails. */
const START_ERROR_LINES = 20;
const JUPYTER = 'jupyter';
/** No script, no plugins, an opaque origin; framed only by d1's own pages. */
const INERT = "sandbox; frame-ancestors 'self'";

/**
 * The supervised processes: the servers of `--proxy-config` (started on first use) and the embedded Jupyter
 * Server (owned by JupyterService, listed and proxied here too).
 */
@Injectable()
export class ProcessesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Processes');
  private readonly servers = new Map<string, ProxyTarget>();

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly jupyter: JupyterService,
  ) {}

  onModuleInit(): void {
    if (!this.config.proxyConfig) return;
    for (const spec of readProxyServers(this.config.proxyConfig))
      this.servers.set(spec.name, this.target(spec));
    this.logger.log(`proxy servers: ${[...this.servers.keys()].join(', ') || 'none'}`);
  }

  /** Stops every proxied server; the embedded Jupyter Server is stopped by JupyterService. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.process.stop()));
  }

  /** The server called `name`, or undefined. */
  find(name: string): ProxyTarget | undefined {
    if (name === JUPYTER) return this.jupyterTarget();
    return this.servers.get(name);
  }

  /** GET /server/processes. */
  list(): ProcessView[] {
    const targets = [this.jupyterTarget(), ...this.servers.values()];
    return targets.filter((t): t is ProxyTarget => t !== undefined).map(view);
  }

  /** Starts the server if needed and waits until it answers; 502/504 with its last output otherwise. */
  async ensure(target: ProxyTarget): Promise<void> {
    try {
      await target.process.start();
    } catch (err) {
      throw this.startFailure(target, err);
    }
  }

  /** POST /server/processes/{name}/restart. */
  async restart(name: string): Promise<void> {
    const target = this.get(name);
    try {
      await target.process.restart();
    } catch (err) {
      throw this.startFailure(target, err);
    }
  }

  /** POST /server/processes/{name}/stop: it stays stopped until the next proxied request or restart. */
  async stop(name: string): Promise<void> {
    const target = this.get(name);
    // Kernels and notebooks depend on it; a restart is the way to recycle it.
    if (name === JUPYTER) throw conflict('The embedded Jupyter Server cannot be stopped; restart it instead');
    await target.process.stop();
  }

  /** GET /server/processes/{name}/logs. */
  logs(name: string, lines: number): { name: string; lines: string[] } {
    return { name, lines: this.get(name).logs(lines) };
  }

  private get(name: string): ProxyTarget {
    const target = this.find(name);
    if (!target) throw notFound(`No supervised process named "${name}"`);
    return target;
  }

  /**
   * The embedded server starts kernels and serves the root dir: every method needs write access, and its token
   * and cookies stay in d1 (the token is blanked out of its logs, which read-only tokens may see).
   */
  private jupyterTarget(): ProxyTarget | undefined {
    const process = this.jupyter.supervised;
    if (!process) return undefined;
    const token = this.jupyter.serverToken;
    return {
      name: JUPYTER,
      process,
      absoluteUrl: false,
      upstreamHeaders: { authorization: `token ${token}` },
      launcherEntry: { enabled: false, title: 'Jupyter Server', icon_path: null },
      writeOnly: true,
      dropCookies: true,
      // Its pages (a notebook rendered by nbconvert, with the script outputs of whoever wrote it) are served on
      // d1's origin: inert, so they never run script there.
      responseHeaders: { 'content-security-policy': INERT, 'x-content-type-options': 'nosniff' },
      logs: (lines) => process.logs(lines).map((line) => line.split(token).join('[token]')),
    };
  }

  private target(spec: ProxyServerSpec): ProxyTarget {
    const process = new SupervisedProcess({
      name: spec.name,
      command: spec.command,
      port: spec.port ?? undefined,
      baseUrl: `/proxy/${spec.name}/`,
      environment: { ...spec.environment },
      cwd: this.config.rootDir,
      // Any HTTP answer means it is up (as in jupyter-server-proxy): apps mounted at base_url may 404 on `/`.
      readiness: { timeoutMs: spec.timeoutMs },
      restart: { always: true, initialBackoffMs: 100, maxBackoffMs: 5000 },
      stopSignalGraceMs: 3000,
    });
    process.on('state', (state) => this.logger.debug(`${spec.name} ${state}`));
    const { name, absoluteUrl, launcherEntry } = spec;
    return {
      name,
      process,
      absoluteUrl,
      upstreamHeaders: {},
      launcherEntry,
      writeOnly: false,
      dropCookies: false,
      responseHeaders: {},
      logs: (lines) => process.logs(lines),
    };
  }

  private startFailure(target: ProxyTarget, err: unknown): D1Error {
    const message = err instanceof Error ? err.message : String(err);
    const detail = target.logs(START_ERROR_LINES);
    const firstLine = message.split('\n')[0];
    if (/was not ready within|is restarting and was not ready/.test(message)) {
      return new D1Error(
        504,
        'PROXY_START_TIMEOUT',
        `${target.name} did not become ready in time: ${firstLine}`,
        detail,
      );
    }
    return new D1Error(
      502,
      'PROXY_START_FAILED',
      `${target.name} could not be started: ${firstLine}`,
      detail,
    );
  }
}

function view(t: ProxyTarget): ProcessView {
  const info = t.process.info();
  return {
    name: t.name,
    state: info.state,
    pid: info.pid,
    port: info.port,
    restarts: info.restarts,
    started_at: info.startedAt,
    last_exit: info.lastExit,
    url: `/proxy/${t.name}/`,
    absolute_url: t.absoluteUrl,
    launcher_entry: t.launcherEntry,
  };
}
