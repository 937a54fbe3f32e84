import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { type JsonObject, type NotebookJson, NotebookModel, parseNotebook } from '@d1/notebook';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Subject } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { badRequest, notebookNotFound } from '../common/errors';
import { NotebookEvents } from '../events/notebook-events';
import { KernelsService } from '../kernels/kernels.service';
import { Debouncer } from './autosave';
import { NotebookFileChanges } from './file-changes';
import { NewFiles, checkTarget, chooseWorkingDirectory, fileTarget } from './locations';
import { atomicWrite, readNotebookFile, serializeNotebook } from './notebook-files';
import { bodyJson, d1Metadata, metadataOf, openOptions } from './notebook-json';
import type { OpenNotebook } from './open-notebook';
import { confine, notebookName, relativeToRoot } from './paths';
import type {
  CreateQuery,
  FileTargetQuery,
  OpenQuery,
  RenameQuery,
  SaveAsQuery,
  UploadAndOpenQuery,
} from './notebooks.dto';

interface RegisterOptions {
  path: string | null;
  autosave: boolean;
  kspecName?: string;
  workingDirectory?: string;
  /** A kernel of this notebook still running in the kernel service (after a d1 restart): attach to it. */
  kernelId?: string;
}

/** A notebook that was open in an earlier d1 process, with the kernel it had there. */
export interface ReopenRecord {
  uuid: string;
  path: string;
  autosave: boolean;
  kernelspec: string;
  /** Its kernel, still running in the kernel service; null: start a new one. */
  kernelId: string | null;
}

/** A notebook just opened; its kernel is for the execution layer to start (or reattach to). */
export interface NotebookOpened {
  nb: OpenNotebook;
  /** A kernel of this notebook still running in the kernel service (after a d1 restart), or null. */
  kernelId: string | null;
}

/** A notebook being closed; closing waits for the work its handlers hand over (its kernel shutting down). */
export class NotebookClosed {
  private readonly work: Array<Promise<unknown>> = [];

  constructor(readonly nb: OpenNotebook) {}

  /** Makes the close wait for `done` (its failure is the handler's to report). */
  waitFor(done: Promise<unknown>): void {
    this.work.push(done.catch(() => undefined));
  }

  /** Settles once every handed-over piece of work has. */
  async settled(): Promise<void> {
    await Promise.all(this.work);
  }
}

/**
 * Owns the open notebooks: opening (from files, uploads or nothing), closing, saving under other names and
 * the debounced atomic autosave. It knows nothing of kernels beyond the spec a notebook names: the execution
 * layer follows `opened$` and `closed$`, and uses `get()`, `markChanged()` and `setWorkingDirectory()`.
 */
@Injectable()
export class NotebooksService implements OnApplicationShutdown {
  private readonly logger = new Logger('Notebooks');
  private readonly notebooks = new Map<string, OpenNotebook>();
  private readonly opening = new Map<string, Promise<OpenNotebook>>();
  private readonly newFiles = new NewFiles();
  /** Emits every notebook just closed. */
  readonly closed$ = new Subject<NotebookClosed>();
  /** Emits every notebook just opened. */
  readonly opened$ = new Subject<NotebookOpened>();

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly events: NotebookEvents,
    private readonly kernels: KernelsService,
    private readonly fileChanges: NotebookFileChanges,
  ) {}

  /** Writes every pending change before the process goes. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.notebooks.values()].map((nb) => nb.saver.flush()));
  }

  /** The open notebook with this uuid, or undefined. */
  find(uuid: string): OpenNotebook | undefined {
    return this.notebooks.get(uuid.toLowerCase());
  }

  /** The open notebook with this uuid; 404 NOTEBOOK_NOT_FOUND otherwise. */
  get(uuid: string): OpenNotebook {
    const nb = this.find(uuid);
    if (!nb) throw notebookNotFound(uuid);
    return nb;
  }

  /** Every open notebook, in open order. */
  all(): OpenNotebook[] {
    return [...this.notebooks.values()];
  }

  /** Records that a notebook changed: its file is written after the debounce (never with autosave off). */
  markChanged(nb: OpenNotebook | string): void {
    const notebook = typeof nb === 'string' ? this.get(nb) : nb;
    if (notebook.autosave && notebook.path && !notebook.closed) notebook.saver.schedule();
  }

  /** Records a new working directory (inside the root), broadcasts `metadata` and autosaves. */
  setWorkingDirectory(nb: OpenNotebook, dir: string): void {
    nb.workingDirectory = dir;
    this.writeMetadata(nb);
    this.events.emit(nb.uuid, { metadata: nb.model.metadata });
    this.markChanged(nb);
  }

  /** GET /notebooks. */
  list(): NotebookJson[] {
    return this.all().map((nb) => nb.model.toJson());
  }

  /** GET /notebooks/{uuid}: the notebook with the version its websocket messages have reached. */
  read(uuid: string): { notebook: NotebookJson; version: number } {
    const nb = this.get(uuid);
    return { notebook: nb.model.toJson(), version: this.events.version(nb.uuid) };
  }

  /** POST /notebooks/upload: writes a notebook with a new uuid; returns its path relative to the root. */
  async upload(body: unknown, q: FileTargetQuery): Promise<string> {
    const file = await fileTarget(this.config.rootDir, q.filename, q.directory);
    await checkTarget(file, false);
    const model = NotebookModel.parse(bodyJson(body), {
      newUuid: true,
      maxOutputBytes: this.config.maxOutputBytes,
    });
    const d1 = { ...d1Metadata(model.metadata), uuid: model.uuid, name: notebookName(file), path: file };
    model.setMetadata({ ...model.metadata, jupyter_d1: d1 });
    await atomicWrite(file, serializeNotebook(model.toFileJson()));
    return relativeToRoot(this.config.rootDir, file);
  }

  /** POST /notebooks/upload_and_open. */
  async uploadAndOpen(body: unknown, q: UploadAndOpenQuery): Promise<NotebookJson> {
    const json = bodyJson(body);
    const already = this.find(String(d1Metadata(metadataOf(json)).uuid ?? ''));
    if (already) return already.model.toJson();
    const autosave = q.autosave ?? true;
    if (q.filename === undefined && autosave) {
      throw badRequest('A filename is needed to autosave; give one or set autosave=false');
    }
    const model = NotebookModel.parse(json, { newUuid: true, maxOutputBytes: this.config.maxOutputBytes });
    if (q.filename === undefined) {
      return (await this.register(model, { path: null, autosave, ...openOptions(q) })).model.toJson();
    }
    const file = await fileTarget(this.config.rootDir, q.filename, q.directory);
    return this.newFiles.create(
      file,
      !autosave,
      (f) => this.byPath(f) !== undefined,
      async () => {
        const nb = await this.register(model, { path: file, autosave, ...openOptions(q) });
        await nb.saver.flush();
        return nb.model.toJson();
      },
    );
  }

  /** GET /notebooks/open/: opens a file, or returns the notebook already open from it. */
  async open(q: OpenQuery): Promise<NotebookJson> {
    const file = await confine(this.config.rootDir, q.filepath);
    const pending = this.opening.get(file) ?? this.openFile(file, q);
    this.opening.set(file, pending);
    try {
      return (await pending).model.toJson();
    } finally {
      this.opening.delete(file);
    }
  }

  /** POST /notebooks/create: a new empty notebook, saved and with its kernel. */
  async create(q: CreateQuery): Promise<NotebookJson> {
    const file = await fileTarget(this.config.rootDir, q.filename, q.directory);
    return this.newFiles.create(
      file,
      false,
      (f) => this.byPath(f) !== undefined,
      async () => {
        const model = NotebookModel.empty({ maxOutputBytes: this.config.maxOutputBytes });
        const nb = await this.register(model, { path: file, autosave: true, ...openOptions(q) });
        await nb.saver.flush();
        return nb.model.toJson();
      },
    );
  }

  /**
   * Opens a notebook file again under the uuid it had in an earlier d1 process, attached to the kernel it
   * had there when that still runs. Fails like open/ when the file is gone or invalid.
   */
  async reopen(r: ReopenRecord): Promise<OpenNotebook> {
    const open = this.find(r.uuid) ?? this.byPath(r.path);
    if (open) return open;
    const json = await readNotebookFile(r.path);
    const model = NotebookModel.parse(json, {
      newUuid: true,
      notebookUuid: r.uuid,
      maxOutputBytes: this.config.maxOutputBytes,
    });
    // The working directory is the one d1 recorded in the file's metadata (as on any open).
    return this.register(model, {
      path: r.path,
      autosave: r.autosave,
      kspecName: r.kernelspec,
      kernelId: r.kernelId ?? undefined,
    });
  }

  /** GET /notebooks/metadata/: the open notebook's metadata, or the file's, without opening it. */
  async metadata(filepath: string): Promise<JsonObject> {
    const file = await confine(this.config.rootDir, filepath);
    const open = this.byPath(file);
    if (open) return open.model.metadata;
    return parseNotebook(await readNotebookFile(file)).metadata;
  }

  /** PATCH /notebooks/{uuid}/save_as: writes to a new path, which the notebook keeps; returns it. */
  async saveAs(uuid: string, q: SaveAsQuery): Promise<string> {
    const nb = this.get(uuid);
    const file = await fileTarget(this.config.rootDir, q.filename, q.directory);
    await checkTarget(file, q.overwrite ?? false);
    await nb.saver.flush();
    this.moveTo(nb, file);
    await nb.saver.run();
    return file;
  }

  /** PATCH /notebooks/{uuid}/rename: save_as, then the old file goes (just_metadata: only the metadata). */
  async rename(uuid: string, q: RenameQuery): Promise<string> {
    const nb = this.get(uuid);
    if (q.just_metadata) {
      const file = await fileTarget(this.config.rootDir, q.filename, q.directory);
      this.moveTo(nb, file);
      return file;
    }
    const old = nb.path;
    const file = await this.saveAs(uuid, q);
    if (old && old !== file) await fsp.rm(old, { force: true });
    return file;
  }

  /**
   * POST /notebooks/{uuid}/reload: the file's version replaces the cells and metadata (uuid and kernel stay);
   * clients get it as a notebook_snapshot. An invalid file is a 400 and changes nothing.
   */
  async reload(uuid: string): Promise<{ notebook: NotebookJson; version: number }> {
    const nb = this.get(uuid);
    if (!nb.path) throw badRequest('This notebook has no file to reload from');
    await nb.saver.exclusive(() => this.fileChanges.reload(nb));
    this.writeMetadata(nb);
    this.events.flush(nb.uuid);
    const notebook = nb.model.toJson();
    const version = this.events.emit(nb.uuid, {
      notebook_snapshot: { version: this.events.version(nb.uuid) + 1, notebook },
    });
    this.markChanged(nb);
    return { notebook, version };
  }

  /** DELETE /notebooks/{uuid}: pending changes written, kernel shut down; the file stays. */
  async close(uuid: string): Promise<void> {
    const nb = this.get(uuid);
    this.notebooks.delete(nb.uuid);
    this.announceList();
    await nb.saver.flush();
    nb.closed = true;
    const closed = new NotebookClosed(nb);
    this.closed$.next(closed);
    this.events.forget(nb.uuid);
    await closed.settled();
  }

  /** DELETE /notebooks: closes every notebook. */
  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((nb) => this.close(nb.uuid)));
  }

  private async openFile(file: string, q: OpenQuery): Promise<OpenNotebook> {
    const byPath = this.byPath(file);
    if (byPath) return byPath;
    const json = await readNotebookFile(file);
    // d1 finds the notebook by the uuid its first open wrote into the file.
    const byUuid = this.find(String(d1Metadata(metadataOf(json)).uuid ?? ''));
    if (byUuid) return byUuid;
    const model = NotebookModel.parse(json, { newUuid: true, maxOutputBytes: this.config.maxOutputBytes });
    return this.register(model, { path: file, autosave: true, ...openOptions(q) });
  }

  private async register(model: NotebookModel, o: RegisterOptions): Promise<OpenNotebook> {
    const kernelspec = await this.kernels.notebookSpec(o.kspecName, model.metadata.kernelspec);
    const fallback = o.path ? path.dirname(o.path) : this.config.rootDir;
    const recorded = d1Metadata(model.metadata).working_directory;
    const root = this.config.rootDir;
    const workingDirectory = await chooseWorkingDirectory(root, o.workingDirectory, recorded, fallback);
    const nb: OpenNotebook = {
      uuid: model.uuid,
      model,
      path: o.path,
      autosave: o.autosave,
      workingDirectory,
      kernelspec,
      lastWrite: null,
      closed: false,
      saver: new Debouncer(
        () => this.write(nb),
        (err) => this.logger.error(`autosave of ${nb.path} failed: ${(err as Error).message}`),
      ),
    };
    this.writeMetadata(nb);
    this.notebooks.set(nb.uuid, nb);
    this.opened$.next({ nb, kernelId: o.kernelId ?? null });
    this.markChanged(nb);
    this.announceList();
    return nb;
  }

  /** The autosave task: the whole notebook, atomically, to its current path. */
  private async write(nb: OpenNotebook): Promise<void> {
    if (!nb.path || !(await this.fileChanges.mayWrite(nb))) return;
    // Asked again just before the rename: someone may have written while the temp file was synced.
    const stamp = await atomicWrite(nb.path, serializeNotebook(nb.model.toFileJson()), () =>
      this.fileChanges.mayWrite(nb),
    );
    if (stamp) nb.lastWrite = stamp;
  }

  private moveTo(nb: OpenNotebook, file: string): void {
    // A new target (or an explicit overwrite) settles any conflict with what someone else wrote.
    nb.lastWrite = null;
    this.fileChanges.resolved(nb);
    nb.path = file;
    this.writeMetadata(nb);
    this.events.emit(nb.uuid, { metadata: nb.model.metadata });
  }

  private writeMetadata(nb: OpenNotebook): void {
    const metadata = nb.model.metadata;
    const d1: JsonObject = { ...d1Metadata(metadata), uuid: nb.uuid };
    d1.name = nb.path ? notebookName(nb.path) : typeof d1.name === 'string' ? d1.name : 'Untitled';
    if (nb.path) d1.path = nb.path;
    else delete d1.path;
    d1.working_directory = nb.workingDirectory;
    nb.model.setMetadata({ ...metadata, kernelspec: { ...nb.kernelspec }, jupyter_d1: d1 });
  }

  private byPath(file: string): OpenNotebook | undefined {
    return this.all().find((nb) => nb.path === file);
  }

  private announceList(): void {
    const notebooks = this.all().map((nb) => ({ uuid: nb.uuid, name: d1Metadata(nb.model.metadata).name }));
    this.events.emitServer({ notebooks });
  }
}
