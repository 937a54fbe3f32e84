import { constants as C, promises as fsp, type Stats } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { v2 as webdav } from 'webdav-server';
import { isTempName, openAtomicWrite } from './atomic-put';
import { InsideDir, OutsideRootError, openInside, splitParent, withDir } from './inside-root';

type Callback<T> = webdav.ReturnCallback<T>;

/** webdav-server's error for a failed file operation (403 for anything that would leave the root). */
function davError(err: unknown): Error {
  if (err instanceof OutsideRootError) return webdav.Errors.Forbidden;
  if (Object.values(webdav.Errors).includes(err as Error)) return err as Error;
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return webdav.Errors.ResourceNotFound;
    case 'EEXIST':
    case 'ENOTEMPTY':
      return webdav.Errors.ResourceAlreadyExists;
    case 'ELOOP':
    case 'EACCES':
    case 'EPERM':
    case 'EISDIR':
      return webdav.Errors.Forbidden;
    default:
      return err as Error;
  }
}

/** Calls back with the result of `work`, its failure translated for webdav-server. */
function settle<T>(work: Promise<T>, callback: Callback<T>): void {
  work.then(
    (value) => callback(undefined as unknown as Error, value),
    (err: unknown) => callback(davError(err)),
  );
}

/**
 * The root dir for webdav-server, confined on what is actually opened (see inside-root.ts): reads and
 * listings check the open descriptor; creation, deletion, moves and writes act on entries of a parent
 * directory checked the same way, so a directory swapped for a symlink between check and use leads nowhere.
 * Writes are atomic and bounded (`maxPutBytes`). A symlink leading out is shown as an opaque file: never
 * read, written or descended into.
 */
export class ConfinedFileSystem extends webdav.PhysicalFileSystem {
  constructor(
    private readonly rootReal: string,
    private readonly maxPutBytes: number,
  ) {
    super(rootReal);
  }

  private absolute(path: webdav.Path): string {
    return this.getRealPath(path).realPath;
  }

  /** Runs `fn` on the checked parent directory of `path` and its last name (never for the root). */
  private inParent<T>(path: webdav.Path, fn: (dir: InsideDir, name: string) => Promise<T>): Promise<T> {
    const split = splitParent(this.rootReal, path.paths);
    if (!split) return Promise.reject(webdav.Errors.Forbidden);
    return withDir(this.rootReal, split.parent, (dir) => fn(dir, split.name));
  }

  protected override _openReadStream(
    path: webdav.Path,
    _ctx: webdav.OpenReadStreamInfo,
    callback: Callback<Readable>,
  ): void {
    const open = async (): Promise<Readable> => {
      // O_NONBLOCK: a FIFO must not hang the thread pool; it is then refused as not a regular file.
      const handle = await openInside(this.rootReal, this.absolute(path), C.O_RDONLY | C.O_NONBLOCK);
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw webdav.Errors.Forbidden;
      }
      return handle.createReadStream();
    };
    settle(open(), callback);
  }

  protected override _openWriteStream(
    path: webdav.Path,
    ctx: webdav.OpenWriteStreamInfo,
    callback: Callback<Writable>,
  ): void {
    const split = splitParent(this.rootReal, path.paths);
    if (!split) return callback(webdav.Errors.Forbidden);
    const open = async (): Promise<Writable> => {
      const dir = await InsideDir.open(this.rootReal, split.parent);
      try {
        const justCreated = ctx.mode === 'mustCreate';
        const stream = await openAtomicWrite(dir, split.name, this.maxPutBytes, justCreated);
        this.resources[path.toString()] ??= new webdav.PhysicalFileSystemResource();
        return stream;
      } catch (err) {
        await dir.close().catch(() => undefined);
        throw err;
      }
    };
    settle(open(), callback);
  }

  protected override _readDir(
    path: webdav.Path,
    _ctx: webdav.ReadDirInfo,
    callback: Callback<string[] | webdav.Path[]>,
  ): void {
    const list = withDir(this.rootReal, this.absolute(path), async (dir) =>
      (await fsp.readdir(dir.self)).filter((name) => !isTempName(name)),
    );
    settle(list, callback);
  }

  protected override _create(
    path: webdav.Path,
    ctx: webdav.CreateInfo,
    callback: webdav.SimpleCallback,
  ): void {
    const create = this.inParent(path, async (dir, name) => {
      if (ctx.type.isDirectory) return fsp.mkdir(dir.entry(name));
      const flags = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
      await (await fsp.open(dir.entry(name), flags, 0o644)).close();
    });
    create.then(
      () => {
        this.resources[path.toString()] = new webdav.PhysicalFileSystemResource();
        callback();
      },
      (err: unknown) => callback(davError(err)),
    );
  }

  protected override _delete(
    path: webdav.Path,
    ctx: webdav.DeleteInfo,
    callback: webdav.SimpleCallback,
  ): void {
    const done = (err?: Error): void => {
      if (!err) delete this.resources[path.toString()];
      callback(err);
    };
    this.inParent(path, (dir, name) => fsp.lstat(dir.entry(name))).then(
      (stat) => {
        // A symlink is removed itself, never what it points to.
        if (!stat.isDirectory()) return this.removeEntry(path, false, done);
        if (ctx.depth === 0) return this.removeEntry(path, true, done);
        this.deleteChildren(path, ctx, (err) => (err ? done(err) : this.removeEntry(path, true, done)));
      },
      (err: unknown) => done(davError(err)),
    );
  }

  private removeEntry(path: webdav.Path, directory: boolean, done: (err?: Error) => void): void {
    const remove = this.inParent(path, (dir, name) =>
      directory ? fsp.rmdir(dir.entry(name)) : fsp.unlink(dir.entry(name)),
    );
    remove.then(
      () => done(),
      (err: unknown) => done(davError(err)),
    );
  }

  /** Deletes each child through webdav-server (locks, properties), one directory level deeper each time. */
  private deleteChildren(path: webdav.Path, ctx: webdav.DeleteInfo, done: (err?: Error) => void): void {
    this.readDir(ctx.context, path, (err, names) => {
      if (err || !names) return done(err ?? webdav.Errors.ResourceNotFound);
      let left = names.length;
      let failed = false;
      if (left === 0) return done();
      for (const name of names) {
        const depth = ctx.depth === -1 ? -1 : ctx.depth - 1;
        this.delete(ctx.context, path.getChildPath(name), depth, (e) => {
          if (failed) return;
          if (e) {
            failed = true;
            return done(e);
          }
          if (--left === 0) done();
        });
      }
    });
  }

  protected override _move(
    from: webdav.Path,
    to: webdav.Path,
    ctx: webdav.MoveInfo,
    callback: webdav.ReturnCallback<boolean>,
  ): void {
    const exists = this.inParent(to, (dir, name) =>
      fsp.lstat(dir.entry(name)).then(
        () => true,
        () => false,
      ),
    );
    exists.then(
      (taken) => {
        if (taken && !ctx.overwrite) return callback(webdav.Errors.ResourceAlreadyExists);
        if (!taken) return this.renameEntry(from, to, false, callback);
        this.delete(ctx.context, to, (err) =>
          err ? callback(err) : this.renameEntry(from, to, true, callback),
        );
      },
      (err: unknown) => callback(davError(err)),
    );
  }

  /** Renames one checked directory's entry to another's, then moves dead properties and locks along. */
  private renameEntry(
    from: webdav.Path,
    to: webdav.Path,
    overwritten: boolean,
    callback: Callback<boolean>,
  ): void {
    const renamed = this.inParent(from, (src, srcName) =>
      this.inParent(to, (dst, dstName) => fsp.rename(src.entry(srcName), dst.entry(dstName))),
    );
    renamed.then(
      () => {
        const a = from.toString();
        const b = to.toString();
        for (const key of Object.keys(this.resources)) {
          if (key === a || key.startsWith(`${a}/`)) {
            this.resources[b + key.substring(a.length)] = this.resources[key];
            delete this.resources[key];
          }
        }
        callback(undefined as unknown as Error, overwritten);
      },
      (err: unknown) => callback(davError(err)),
    );
  }

  protected override _type(
    path: webdav.Path,
    _ctx: webdav.TypeInfo,
    callback: Callback<webdav.ResourceType>,
  ): void {
    const type = this.statInside(path).then((stat) =>
      stat.isDirectory() ? webdav.ResourceType.Directory : webdav.ResourceType.File,
    );
    settle(type, callback);
  }

  protected override getStatProperty(
    path: webdav.Path,
    _ctx: unknown,
    propertyName: string,
    callback: Callback<unknown>,
  ): void {
    settle(
      this.statInside(path).then((stat) => stat[propertyName as keyof typeof stat]),
      callback,
    );
  }

  /**
   * What `path` is, read from a checked descriptor so that its type and size describe what a read would get.
   * A symlink leading out is described as itself: an opaque file, never followed.
   */
  private async statInside(path: webdav.Path): Promise<Stats> {
    try {
      const handle = await openInside(this.rootReal, this.absolute(path), C.O_RDONLY | C.O_NONBLOCK);
      try {
        return await handle.stat();
      } finally {
        await handle.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!(err instanceof OutsideRootError) && code !== 'ELOOP' && code !== 'ENOENT') throw err;
      // Dangling or leading out: the link itself, if it is one, in a checked parent.
      const stat = await this.inParent(path, (dir, name) => fsp.lstat(dir.entry(name)));
      if (!stat.isSymbolicLink()) throw err;
      return stat;
    }
  }
}
