import { XMLParser } from 'fast-xml-parser';
import type { DirEntry } from './types';

const parser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'response',
});

interface DavProp {
  resourcetype?: { collection?: unknown } | string;
  getcontentlength?: string;
  getlastmodified?: string;
}

interface DavResponse {
  href?: string;
  propstat?: { prop?: DavProp } | Array<{ prop?: DavProp }>;
}

/**
 * The entries of a Depth: 1 PROPFIND answer, without the listed collection itself, directories first, then by
 * name. Paths are relative to the WebDAV mount (`/dav/`), which d1 always names in its hrefs.
 */
export function parseMultistatus(xml: string): DirEntry[] {
  const doc = parser.parse(xml) as { multistatus?: { response?: DavResponse[] } };
  const responses = doc.multistatus?.response ?? [];
  const entries = responses.map(toEntry).filter((e): e is DirEntry => e !== null);
  const self = entries.reduce(
    (shortest, e) => (e.path.length < shortest.length ? e.path : shortest),
    entries[0]?.path ?? '',
  );
  return entries
    .filter((e) => e.path !== self)
    .sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
}

function toEntry(r: DavResponse): DirEntry | null {
  if (typeof r.href !== 'string') return null;
  const href = decodeURIComponent(r.href);
  const at = href.indexOf('/dav/');
  const path = (at >= 0 ? href.slice(at + 5) : href).replace(/^\/+|\/+$/g, '');
  const stats = Array.isArray(r.propstat) ? r.propstat : [r.propstat];
  const prop: DavProp = Object.assign({}, ...stats.map((s) => s?.prop ?? {}));
  const isDirectory =
    typeof prop.resourcetype === 'object' && prop.resourcetype !== null && 'collection' in prop.resourcetype;
  const size = prop.getcontentlength === undefined ? null : Number(prop.getcontentlength);
  return {
    path,
    name: path.split('/').pop() ?? '',
    isDirectory,
    size: Number.isFinite(size) ? size : null,
    modified: prop.getlastmodified ?? null,
  };
}
