import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { KernelModelInfo, KernelRelay, RelayError, RelayMessage } from '@d1/kernel-relay';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { D1_CONFIG, D1Config } from '../app-config';
import { D1Error, badRequest, notFound } from '../common/errors';
import { JupyterService } from './jupyter.service';
import { D1KernelSpec, orderKernelSpecs } from './kernel-specs';
import { NotebookKernelspec, resolveKernelspec } from './kernelspec';

/** Kernels as d1's REST API sees them: specs, lifecycle, idleness and headless execution. */
@Injectable()
export class KernelsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Kernels');
  /** Owners (notebooks) with cells queued or running, as they report it. */
  private readonly busyOwners = new Set<string>();
  private lastIdle = new Date();
  private resourceDirs: Promise<Record<string, string>> | null = null;

  constructor(
    private readonly jupyter: JupyterService,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  onApplicationBootstrap(): void {
    this.relay.on('status', (_id, state) => {
      if (state === 'idle') this.touchIdle();
    });
  }

  /** The relay to the kernel service. */
  get relay(): KernelRelay {
    return this.jupyter.relay;
  }

  /** Records whether an owner of kernels (a notebook) has work queued or running, for idleness. */
  reportBusy(owner: string, busy: boolean): void {
    if (busy) this.busyOwners.add(owner);
    else this.busyOwners.delete(owner);
  }

  /** Records that something just became idle (for last_idle). */
  private touchIdle(): void {
    this.lastIdle = new Date();
  }

  /** d1's GET /kernels/specs. */
  async specs(): Promise<D1KernelSpec[]> {
    const { kernelspecs } = await this.relay.specs();
    return orderKernelSpecs(Object.values(kernelspecs), await this.localResourceDirs());
  }

  /** d1's kernel spec choice for a notebook (see resolveKernelspec). */
  async notebookSpec(
    requested: string | undefined,
    notebookKernelspec: unknown,
  ): Promise<NotebookKernelspec> {
    const [{ kernelspecs }, defaultName] = await Promise.all([this.relay.specs(), this.defaultSpecName()]);
    const catalog = Object.fromEntries(Object.entries(kernelspecs).map(([name, s]) => [name, s.spec]));
    return resolveKernelspec(catalog, defaultName, requested, notebookKernelspec);
  }

  /** The spec name to use when none is asked for. */
  async defaultSpecName(): Promise<string> {
    if (this.config.defaultKernel) return this.config.defaultKernel;
    const specs = await this.relay.specs();
    return specs.default || Object.keys(specs.kernelspecs)[0] || 'python3';
  }

  /** Whether any kernel or queued cell is busy now. */
  busy(): boolean {
    return this.relay.handles().some((h) => h.status === 'busy') || this.busyOwners.size > 0;
  }

  /** Server-wide idleness, as d1 reports it. */
  idle(): { idle: boolean; last_idle: string } {
    const busy = this.busy();
    if (!busy && this.relay.handles().length === 0) this.touchIdle();
    return { idle: !busy, last_idle: this.lastIdle.toISOString().replace('Z', '') + '000' };
  }

  /**
   * Whether a kernel exists and is not dead; an unreachable kernel service is a 503, not "dead". `kernelId`
   * is what the id a client gave stands for (a notebook's kernel once it is ready).
   */
  async isAlive(
    id: string,
    kernelId: Promise<string> | string = id,
  ): Promise<{ kernel_is_alive: boolean; kernel_id: string }> {
    try {
      const model = await this.relay.model(await kernelId);
      return { kernel_is_alive: model.execution_state !== 'dead', kernel_id: id };
    } catch (err) {
      const gone = err instanceof RelayError && err.kind === 'not_found';
      // Only resolving a notebook's kernel throws D1Errors: one that could not start has no live kernel.
      const failed = err instanceof D1Error && err.status === 503;
      if (gone || failed) return { kernel_is_alive: false, kernel_id: id };
      throw err;
    }
  }

  /** Starts a headless kernel; an unknown spec is a 400 naming the available ones. */
  async start(name?: string): Promise<KernelModelInfo> {
    const spec = name ?? (await this.defaultSpecName());
    const { kernelspecs } = await this.relay.specs();
    if (!kernelspecs[spec]) {
      throw badRequest(`Unknown kernel spec "${spec}"; available: ${Object.keys(kernelspecs).join(', ')}`);
    }
    const handle = await this.relay.start(spec);
    return this.relay.model(handle.id);
  }

  /** Lists the running kernels. */
  list(): Promise<KernelModelInfo[]> {
    return this.relay.list();
  }

  /** One running kernel; 404 if unknown. */
  get(id: string, kernelId: Promise<string> | string = id): Promise<KernelModelInfo> {
    return this.onKernel(id, kernelId, (k) => this.relay.model(k));
  }

  /** Shuts a kernel down (no notebook state touched). */
  shutdown(id: string, kernelId: Promise<string> | string = id): Promise<void> {
    return this.onKernel(id, kernelId, (k) => this.relay.shutdown(k));
  }

  /** Restarts a kernel (no notebook state touched). */
  restart(id: string, kernelId: Promise<string> | string = id): Promise<void> {
    return this.onKernel(id, kernelId, (k) => this.relay.restart(k));
  }

  /** Interrupts a kernel. */
  interrupt(id: string, kernelId: Promise<string> | string = id): Promise<void> {
    return this.onKernel(id, kernelId, (k) => this.relay.interrupt(k));
  }

  /**
   * Executes code on a kernel, handing each of its messages to `emit` as it arrives; resolves once both the
   * execute_reply and the idle status arrived.
   */
  async execute(
    id: string,
    kernelId: Promise<string> | string,
    code: string,
    emit: (msg: RelayMessage) => void,
  ): Promise<void> {
    const handle = await this.onKernel(id, kernelId, (k) => this.relay.attach(k));
    // A reply or idle lost with the kernel's connection would leave the stream open for ever.
    const reconcile = (): void => void handle.reconcile().catch(() => undefined);
    handle.on('reconnected', reconcile);
    try {
      const execution = handle.execute(code, { storeHistory: true, allowStdin: false }, emit);
      await execution.done;
    } finally {
      handle.off('reconnected', reconcile);
    }
  }

  /** Runs `op` on the kernel an id names; the relay's "not found" becomes a 404 naming the id the client gave. */
  private async onKernel<T>(
    id: string,
    kernelId: Promise<string> | string,
    op: (kernelId: string) => Promise<T>,
  ): Promise<T> {
    try {
      return await op(await kernelId);
    } catch (err) {
      if (err instanceof RelayError && err.kind === 'not_found') throw notFound(`Kernel not found: ${id}`);
      throw err;
    }
  }

  private localResourceDirs(): Promise<Record<string, string>> {
    if (this.config.gatewayUrl) return Promise.resolve({});
    this.resourceDirs ??= promisify(execFile)(this.config.jupyterCommand, ['kernelspec', 'list', '--json'], {
      timeout: 15_000,
    })
      .then(({ stdout }) => {
        const parsed = JSON.parse(stdout) as { kernelspecs: Record<string, { resource_dir: string }> };
        return Object.fromEntries(Object.entries(parsed.kernelspecs).map(([k, v]) => [k, v.resource_dir]));
      })
      .catch((err: Error) => {
        this.logger.warn(`could not read local kernel spec dirs: ${err.message}`);
        this.resourceDirs = null;
        return {};
      });
    return this.resourceDirs;
  }
}
