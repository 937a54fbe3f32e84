import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { KernelRelay } from '@d1/kernel-relay';
import { SupervisedProcess } from '@d1/supervisor';
import { randomBytes } from 'node:crypto';
import { Subject } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { MetricsService } from '../metrics/metrics.service';
import { jupyterServerArgs } from './jupyter-args';
import { GatewayRelay } from './gateway-relay';

/** How often a remote kernel gateway is probed, so /readyz and lost kernels follow its outages. */
const GATEWAY_CHECK_MS = 1000;

/** What GET /server/jupyter reports about the kernel service. */
export interface JupyterInfo {
  mode: 'embedded' | 'gateway';
  url: string;
  pid: number | null;
  port: number | null;
  root_dir: string;
  version: string | null;
  status: string;
  restarts: number;
}

/**
 * Owns the kernel service: either a Jupyter Server d1 starts and supervises (the default) or a remote
 * gateway. Exposes the relay everything else uses, and tells subscribers when kernels were lost.
 */
@Injectable()
export class JupyterService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Jupyter');
  private readonly token = randomBytes(24).toString('hex');
  private process: SupervisedProcess | null = null;
  private version: string | null = null;
  private _relay: KernelRelay | null = null;
  private gateway: GatewayRelay | null = null;
  private gatewayWatch: NodeJS.Timeout | null = null;
  /** Whether the last probe reached the gateway, and why it failed when it did not. */
  private gatewayUp = false;
  private gatewayError: string | null = null;
  private gatewayCheck: Promise<boolean> | null = null;
  /** Emits when the kernel service came back after losing its kernels (a restart of the embedded server). */
  readonly restarted$ = new Subject<void>();

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly metrics: MetricsService,
  ) {
    this.restarted$.subscribe(() => this.metrics.jupyterServerRestarted());
  }

  /** The relay to the kernel service; available once start() resolved. */
  get relay(): KernelRelay {
    if (!this._relay) throw new Error('kernel service not started');
    return this._relay;
  }

  /** The supervised embedded server, when there is one (for the processes API). */
  get supervised(): SupervisedProcess | null {
    return this.process;
  }

  /** The embedded server's own token, which the proxy adds upstream at `/proxy/jupyter/`. */
  get serverToken(): string {
    return this.token;
  }

  async onModuleInit(): Promise<void> {
    await this.start();
  }

  /** Starts the embedded server (or checks the gateway) and waits until kernels can be started. */
  async start(): Promise<void> {
    if (this.config.gatewayUrl) return this.startGateway(this.config.gatewayUrl);
    this.process = this.embedded();
    this.process.on('restarted', () => {
      this.logger.warn('embedded Jupyter Server restarted; open notebooks get fresh kernels');
      this.restarted$.next();
    });
    this.process.on('state', (s) => this.logger.debug(`embedded Jupyter Server ${s}`));
    await this.process.start();
    const port = this.process.info().port;
    this._relay = this.counted(new KernelRelay({ baseUrl: `http://127.0.0.1:${port}`, token: this.token }));
    this.version = await this._relay.ping();
    this.logger.log(`embedded Jupyter Server ${this.version} ready on 127.0.0.1:${port}`);
  }

  /** Whether kernels can be started right now. */
  async ready(): Promise<boolean> {
    if (this.gateway) return this.checkGateway();
    if (!this._relay) return false;
    if (this.process && this.process.info().state !== 'running') return false;
    try {
      this.version = await this._relay.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** Why kernels are unavailable, for the 503 of /readyz. */
  unavailableReason(): string {
    if (this.gateway) {
      return `Kernel gateway ${this.config.gatewayUrl} is unreachable${this.gatewayError ? `: ${this.gatewayError}` : ''}`;
    }
    const state = this.process?.info().state;
    return state ? `The embedded Jupyter Server is ${state}` : 'Kernels are not available yet';
  }

  /** GET /server/jupyter. */
  async info(): Promise<JupyterInfo> {
    const ready = await this.ready();
    const p = this.process?.info();
    return {
      mode: this.process ? 'embedded' : 'gateway',
      url: this.process ? `http://127.0.0.1:${p?.port}/` : (this.config.gatewayUrl ?? ''),
      pid: p?.pid ?? null,
      port: p?.port ?? null,
      root_dir: this.config.rootDir,
      version: this.version,
      status: p ? p.state : ready ? 'running' : 'unreachable',
      restarts: p?.restarts ?? 0,
    };
  }

  /** Shuts kernels down, then stops the server: POST /api/shutdown, SIGTERM, SIGKILL. */
  async onApplicationShutdown(): Promise<void> {
    if (this.gatewayWatch) clearInterval(this.gatewayWatch);
    if (this._relay) {
      await this._relay.shutdownAll().catch(() => undefined);
      this._relay.dispose();
    }
    await this.process?.stop();
  }

  /** No local server: kernels live in the gateway, which may come and go; d1 starts either way. */
  private async startGateway(baseUrl: string): Promise<void> {
    this.gateway = new GatewayRelay({
      baseUrl,
      token: this.config.gatewayToken ?? '',
      requestTimeoutMs: 10_000,
    });
    this._relay = this.counted(this.gateway);
    if (await this.checkGateway()) this.logger.log(`kernel gateway ${baseUrl} (${this.version}) reachable`);
    this.gatewayWatch = setInterval(() => void this.checkGateway(), GATEWAY_CHECK_MS);
    this.gatewayWatch.unref();
  }

  /** Probes the gateway (one probe at a time); coming back after an outage replaces lost kernels. */
  private checkGateway(): Promise<boolean> {
    this.gatewayCheck ??= this.probeGateway().finally(() => (this.gatewayCheck = null));
    return this.gatewayCheck;
  }

  private async probeGateway(): Promise<boolean> {
    const gateway = this.gateway as GatewayRelay;
    const wasUp = this.gatewayUp;
    try {
      this.version = await gateway.ping();
    } catch (err) {
      const firstFailure = this.gatewayError === null;
      this.gatewayError = (err as Error).message;
      if (wasUp || firstFailure) this.logger.warn(`${this.gatewayError}; kernels are unavailable`);
      this.gatewayUp = false;
      return false;
    }
    this.gatewayUp = true;
    const hadOutage = this.gatewayError !== null;
    this.gatewayError = null;
    if (hadOutage) await this.afterOutage(gateway);
    return true;
  }

  /** A gateway that restarted has lost its kernels, and kernels failed to start meanwhile: start fresh ones. */
  private async afterOutage(gateway: GatewayRelay): Promise<void> {
    const failedCalls = gateway.lostContact;
    gateway.lostContact = false;
    const alive = new Set((await gateway.list().catch(() => [])).map((k) => k.id));
    const lost = gateway.handles().filter((h) => !alive.has(h.id)).length;
    this.logger.log(`kernel gateway ${this.config.gatewayUrl} is reachable again (${lost} kernels lost)`);
    if (lost > 0 || failedCalls) this.restarted$.next();
  }

  /** The relay sees every kernel's status, notebook or headless: 'restarting' covers both kinds of restart. */
  private counted<R extends KernelRelay>(relay: R): R {
    relay.on('status', (_id, state) => {
      if (state === 'restarting') this.metrics.kernelRestarted();
    });
    return relay;
  }

  private embedded(): SupervisedProcess {
    const args = jupyterServerArgs('{port}', this.config.rootDir);
    return new SupervisedProcess({
      name: 'jupyter',
      command: [this.config.jupyterCommand, ...args],
      environment: {
        ...this.config.childEnv,
        JUPYTER_TOKEN: this.token,
        PYDEVD_DISABLE_FILE_VALIDATION: '1',
        D1_EXIT_WITH_PARENT: '1',
      },
      cwd: this.config.rootDir,
      readiness: {
        url: (port) => `http://127.0.0.1:${port}/api/status?token=${this.token}`,
        timeoutMs: this.config.jupyterReadyTimeoutMs,
        accept: (status) => status === 200,
      },
      stopSignalGraceMs: 3000,
      beforeStop: async (info) => {
        await fetch(`http://127.0.0.1:${info.port}/api/shutdown`, {
          method: 'POST',
          headers: { Authorization: `token ${this.token}` },
          signal: AbortSignal.timeout(2000),
        }).catch(() => undefined);
      },
    });
  }
}
