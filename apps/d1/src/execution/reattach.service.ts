import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { NotebookEvents } from '../events/notebook-events';
import { KernelPool } from '../kernels/kernel-pool';
import { KernelsService } from '../kernels/kernels.service';
import { NotebooksService } from '../notebooks/notebooks.service';
import { NotebookKernels } from './notebook-kernels';
import { confine } from '../notebooks/paths';
import {
  OpenRecord,
  readSessionState,
  removeSessionState,
  sessionStatePath,
  writeSessionState,
} from './session-state';

/** Versions a process may still have sent after it last wrote the state (messages during its shutdown). */
const VERSION_HEADROOM = 1000;

/**
 * With kernels in a gateway they outlive d1: this keeps, in a state file, which notebooks are open on which
 * kernels, and a restarted d1 reopens those notebooks (same uuid) on the same kernels, so their variables
 * survive. Kernels nobody will reattach to (the pool's, those of notebooks without a file) are listed to be
 * shut down. With the embedded Jupyter Server kernels end with d1, and nothing is kept.
 */
@Injectable()
export class NotebookReattach implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Reattach');
  private readonly file: string | null;
  private subscriptions: Subscription[] = [];
  private writing: Promise<void> | null = null;
  private writeAgain = false;
  private stopped = false;

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly notebooks: NotebooksService,
    private readonly nbKernels: NotebookKernels,
    private readonly kernels: KernelsService,
    private readonly pool: KernelPool,
    private readonly events: NotebookEvents,
  ) {
    const gateway = config.gatewayUrl;
    this.file = gateway ? sessionStatePath(config.childEnv, config.rootDir, gateway) : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.file) return;
    await this.restore(this.file);
    const save = (): void => this.save();
    this.subscriptions = [
      this.notebooks.opened$.subscribe(save),
      this.notebooks.closed$.subscribe(save),
      this.nbKernels.kernelChanged$.subscribe(save),
      this.pool.changed$.subscribe(save),
    ];
    this.save();
  }

  /** Notebook kernels stay in the gateway for the next d1; the state says where they are. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.file) return;
    this.stopped = true;
    for (const s of this.subscriptions) s.unsubscribe();
    await this.writing;
    const records = this.records();
    for (const r of records) if (r.kernel_id) this.kernels.relay.release(r.kernel_id);
    // Every other kernel is shut down on the way out (the pool's, the relay's), so none is listed as stale.
    await this.write(this.file, records, []).catch((err: Error) =>
      this.logger.error(`could not write ${this.file}: ${err.message}`),
    );
  }

  private async restore(file: string): Promise<void> {
    let state;
    try {
      state = await readSessionState(file);
    } catch (err) {
      this.logger.warn(`ignoring ${file}: ${(err as Error).message}`);
      return;
    }
    if (!state) return;
    if (state.root_dir !== this.config.rootDir || state.gateway_url !== this.config.gatewayUrl) {
      this.logger.warn(`ignoring ${file}: it belongs to another root dir or gateway`);
      return;
    }
    for (const id of state.stale_kernels) void this.kernels.relay.shutdown(id).catch(() => undefined);
    for (const r of state.notebooks) await this.reopen(r);
  }

  private async reopen(r: OpenRecord): Promise<void> {
    try {
      // Still inside the root dir (a symlink may have changed since), and still a notebook.
      const path = await confine(this.config.rootDir, r.path);
      // No `?since` of the earlier process may pass for a version of this one; after a crash its last
      // versions are unknown, so they continue above the time in microseconds (beyond any message rate).
      this.events.continueAbove(r.uuid, Math.max(r.version + VERSION_HEADROOM, Date.now() * 1000));
      const kernelId = r.kernel_id;
      await this.notebooks.reopen({
        uuid: r.uuid,
        path,
        autosave: r.autosave,
        kernelspec: r.kernelspec,
        kernelId,
      });
      this.logger.log(`reopened ${path} (${r.uuid}) on ${kernelId ? `kernel ${kernelId}` : 'a new kernel'}`);
    } catch (err) {
      this.logger.warn(`notebook ${r.path} not reopened: ${(err as Error).message}`);
      if (r.kernel_id) void this.kernels.relay.shutdown(r.kernel_id).catch(() => undefined);
    }
  }

  /** Writes the state soon; one write at a time, the last one with everything up to date. */
  private save(): void {
    const file = this.file;
    if (!file || this.stopped) return;
    if (this.writing) {
      this.writeAgain = true;
      return;
    }
    this.writing = this.write(file, this.records())
      .catch((err: Error) => this.logger.warn(`could not write ${file}: ${err.message}`))
      .finally(() => {
        this.writing = null;
        if (!this.writeAgain) return;
        this.writeAgain = false;
        this.save();
      });
  }

  private async write(file: string, notebooks: OpenRecord[], stale = this.staleKernels()): Promise<void> {
    if (notebooks.length === 0 && stale.length === 0) return removeSessionState(file);
    await writeSessionState(file, {
      format: 1,
      root_dir: this.config.rootDir,
      gateway_url: this.config.gatewayUrl as string,
      notebooks,
      stale_kernels: stale,
    });
  }

  /** Kernels a d1 killed outright leaves behind and the next one shuts down: the pool's, file-less notebooks'. */
  private staleKernels(): string[] {
    const orphans = this.notebooks.all().filter((nb) => !nb.path);
    const kernels = orphans.flatMap((nb) => this.nbKernels.current(nb)?.id ?? []);
    return [...this.pool.kernelIds(), ...kernels];
  }

  /** The open notebooks a restarted d1 can reopen: those with a file. */
  private records(): OpenRecord[] {
    return this.notebooks
      .all()
      .filter((nb): nb is typeof nb & { path: string } => nb.path !== null)
      .map((nb) => ({
        uuid: nb.uuid,
        path: nb.path,
        autosave: nb.autosave,
        kernelspec: nb.kernelspec.name,
        kernel_id: this.nbKernels.current(nb)?.id ?? null,
        version: this.events.version(nb.uuid),
      }));
  }
}
