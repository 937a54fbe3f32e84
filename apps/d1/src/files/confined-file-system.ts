import { promises as fsp } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { v2 as webdav } from 'webdav-server';
import { escapesRoot } from './confine';

type Callback<T> = webdav.ReturnCallback<T>;

/**
 * The request handler already refuses URLs that resolve outside the root, but webdav-server also walks
 * directories on its own (PROPFIND Depth 1, recursive COPY and DELETE). A symlink met that way is treated as
 * an opaque file: never read, written or descended into, so a link to `/etc` can neither leak nor be emptied.
 */
export class ConfinedFileSystem extends webdav.PhysicalFileSystem {
  constructor(private readonly rootReal: string) {
    super(rootReal);
  }

  private escapes(path: webdav.Path): Promise<boolean> {
    return escapesRoot(this.rootReal, this.getRealPath(path).realPath);
  }

  private guard(path: webdav.Path, callback: Callback<never>, next: () => void): void {
    this.escapes(path).then(
      (escapes) => (escapes ? callback(webdav.Errors.Forbidden) : next()),
      () => callback(webdav.Errors.Forbidden),
    );
  }

  protected override _openReadStream(
    path: webdav.Path,
    ctx: webdav.OpenReadStreamInfo,
    callback: Callback<Readable>,
  ): void {
    this.guard(path, callback, () => super._openReadStream(path, ctx, callback));
  }

  protected override _openWriteStream(
    path: webdav.Path,
    ctx: webdav.OpenWriteStreamInfo,
    callback: Callback<Writable>,
  ): void {
    this.guard(path, callback, () => super._openWriteStream(path, ctx, callback));
  }

  protected override _readDir(
    path: webdav.Path,
    ctx: webdav.ReadDirInfo,
    callback: Callback<string[] | webdav.Path[]>,
  ): void {
    this.guard(path, callback, () => super._readDir(path, ctx, callback));
  }

  protected override _type(
    path: webdav.Path,
    ctx: webdav.TypeInfo,
    callback: Callback<webdav.ResourceType>,
  ): void {
    this.lstatIfEscaping(path).then(
      (stat) => {
        if (stat === undefined) return super._type(path, ctx, callback);
        callback(undefined, webdav.ResourceType.File);
      },
      () => callback(webdav.Errors.ResourceNotFound),
    );
  }

  protected override getStatProperty(
    path: webdav.Path,
    ctx: unknown,
    propertyName: string,
    callback: Callback<unknown>,
  ): void {
    this.lstatIfEscaping(path).then(
      (stat) => {
        if (stat === undefined) return super.getStatProperty(path, ctx, propertyName, callback);
        callback(undefined, stat[propertyName as keyof typeof stat]);
      },
      () => callback(webdav.Errors.ResourceNotFound),
    );
  }

  /** The symlink's own stat when `path` escapes the root, undefined for ordinary paths. */
  private async lstatIfEscaping(path: webdav.Path) {
    if (!(await this.escapes(path))) return undefined;
    return fsp.lstat(this.getRealPath(path).realPath);
  }
}
