import { RouteIndex } from './route-index';

describe('RouteIndex', () => {
  const index = new RouteIndex();
  index.add(['GET', 'HEAD'], '/kernels');
  index.add('POST', '/kernels');
  index.add('GET', '/kernels/:id');
  index.add('POST', '/kernels/:id/execute');
  index.add('GET', '/notebooks/open/');
  index.add(['GET', 'PROPFIND'], '/dav/*');
  index.add('GET', '/a.b');

  it.each([
    ['/kernels', ['GET', 'POST']],
    ['/kernels?x=1', ['GET', 'POST']],
    ['/kernels/abc', ['GET']],
    ['/kernels/abc/execute', ['POST']],
    ['/kernels/a/b', []],
    ['/notebooks/open/', ['GET']],
    ['/notebooks/open', []],
    ['/dav/x/y.txt', ['GET', 'PROPFIND']],
    ['/a.b', ['GET']],
    ['/axb', []],
    ['/nope', []],
  ])('%s allows %j', (url, methods) => {
    expect(index.allowed(url)).toEqual(methods);
  });
});
