import { parseMultistatus } from './dav';

const response = (href: string, props: string) =>
  `<D:response><D:href>${href}</D:href><D:propstat><D:status>HTTP/1.1 200 OK</D:status><D:prop>${props}</D:prop></D:propstat></D:response>`;
const dir = '<D:resourcetype><D:collection/></D:resourcetype>';
const file = (size: number) =>
  `<D:resourcetype/><D:getcontentlength>${size}</D:getcontentlength><D:getlastmodified>Sun, 29 Nov 2026 15:48:58 GMT</D:getlastmodified>`;
const multistatus = (...r: string[]) =>
  `<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">${r.join('')}</D:multistatus>`;

describe('parseMultistatus', () => {
  it('lists a directory without itself: directories first, then by name, paths relative to /dav/', () => {
    const xml = multistatus(
      response('/dav/sub/', dir),
      response('/dav/sub/b.ipynb', file(12)),
      response('/dav/sub/My%20Notes/', dir),
      response('/dav/sub/a%20b.ipynb', file(3)),
    );
    expect(parseMultistatus(xml)).toEqual([
      { path: 'sub/My Notes', name: 'My Notes', isDirectory: true, size: null, modified: null },
      {
        path: 'sub/a b.ipynb',
        name: 'a b.ipynb',
        isDirectory: false,
        size: 3,
        modified: 'Sun, 29 Nov 2026 15:48:58 GMT',
      },
      {
        path: 'sub/b.ipynb',
        name: 'b.ipynb',
        isDirectory: false,
        size: 12,
        modified: 'Sun, 29 Nov 2026 15:48:58 GMT',
      },
    ]);
  });

  it('reads the root and a single entry', () => {
    expect(parseMultistatus(multistatus(response('/dav/', dir), response('/dav/x.py', file(1))))).toEqual([
      { path: 'x.py', name: 'x.py', isDirectory: false, size: 1, modified: 'Sun, 29 Nov 2026 15:48:58 GMT' },
    ]);
  });

  it('gives nothing for an empty or foreign document', () => {
    expect(parseMultistatus(multistatus())).toEqual([]);
    expect(parseMultistatus('<html></html>')).toEqual([]);
  });
});
