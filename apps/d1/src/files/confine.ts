import * as path from 'node:path';
import { isInside, realPathInside } from '../common/root-path';

/** Why a WebDAV path was refused; `status` is what the client gets. */
export interface Refusal {
  ok: false;
  status: 400 | 403 | 502;
  reason: string;
}

export interface DavTarget {
  ok: true;
  /** Path below the mount, still percent-encoded, always starting with `/`. */
  encoded: string;
  /** Decoded segments below the root dir. */
  segments: string[];
}

function refuse(status: Refusal['status'], reason: string): Refusal {
  return { ok: false, status, reason };
}

/**
 * Splits the URL path below `prefix` into decoded segments. Anything that could make a segment mean something
 * other than a plain file name (dot segments, encoded separators, backslashes, NUL) is refused outright rather
 * than normalised, so there is a single spelling of every path inside the root.
 */
export function parseDavPath(urlPath: string, prefix: string): DavTarget | Refusal {
  const pathOnly = urlPath.split('?', 1)[0];
  // Fragments never reach a server from a conforming client; guessing what one means could delete too much.
  if (pathOnly.includes('#')) return refuse(400, 'Path may not contain a fragment.');
  if (pathOnly !== prefix && !pathOnly.startsWith(prefix + '/'))
    return refuse(403, 'Path is outside the mount.');
  const encoded = pathOnly.slice(prefix.length) || '/';
  const segments: string[] = [];
  for (const raw of encoded.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse(400, 'Path has invalid percent-encoding.');
    }
    if (segment === '.' || segment === '..') return refuse(403, 'Path may not contain dot segments.');
    if (/[/\\\0]/.test(segment)) return refuse(403, 'Path may not contain encoded separators or NUL.');
    segments.push(segment);
  }
  return { ok: true, encoded, segments };
}

/**
 * Parses a `Destination` header: a path or an absolute URL on the same host, below the same mount.
 * A destination on another host would be a proxy request, which this server never performs.
 */
export function parseDestination(
  header: string,
  host: string | undefined,
  prefix: string,
): DavTarget | Refusal {
  let urlPath = header;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(header)) {
    let url: URL;
    try {
      url = new URL(header);
    } catch {
      return refuse(400, 'Destination is not a valid URL.');
    }
    if (!host || url.host.toLowerCase() !== host.toLowerCase()) {
      return refuse(502, 'Destination is on another server.');
    }
    // URL normalises dot segments away, so take the path from the raw text instead.
    const afterScheme = header.slice(header.indexOf('://') + 3);
    const slash = afterScheme.indexOf('/');
    urlPath = slash === -1 ? '/' : afterScheme.slice(slash);
  } else if (!header.startsWith('/')) {
    return refuse(400, 'Destination must be an absolute path or URL.');
  }
  return parseDavPath(urlPath, prefix);
}

/**
 * Resolves `segments` below `rootReal` (the realpath of the root dir) and tells whether the result stays inside
 * it once every existing symlink is followed. A path that does not exist yet is judged by its nearest existing
 * ancestor; a dangling symlink is refused, since writing through it would create its target wherever it points.
 */
export async function resolveInsideRoot(rootReal: string, segments: string[]): Promise<string | null> {
  return realPathInside(rootReal, path.join(rootReal, ...segments));
}

/** True when `absolute` is a symlink (or below one) leading outside `rootReal`, or is a dangling symlink. */
export async function escapesRoot(rootReal: string, absolute: string): Promise<boolean> {
  if (!isInside(rootReal, absolute)) return true;
  const relative = path.relative(rootReal, absolute);
  const segments = relative === '' ? [] : relative.split(path.sep);
  return (await resolveInsideRoot(rootReal, segments)) === null;
}
