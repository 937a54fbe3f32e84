import { useEffect, useState } from 'preact/hooks';

/** Where the page is: the file browser at a directory, or one notebook. Kept in the URL's hash. */
export type Route = { page: 'home'; dir: string } | { page: 'notebook'; uuid: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/notebook\/([0-9a-f-]{36})$/.exec(hash);
  if (m) return { page: 'notebook', uuid: m[1] };
  const d = /^#\/files\/(.*)$/.exec(hash);
  return { page: 'home', dir: d ? decodeURIComponent(d[1]) : '' };
}

export function notebookHref(uuid: string): string {
  return `#/notebook/${uuid}`;
}

export function dirHref(dir: string): string {
  return `#/files/${encodeURIComponent(dir)}`;
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
