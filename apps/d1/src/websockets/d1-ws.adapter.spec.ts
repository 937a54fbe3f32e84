import { matchesPattern } from './d1-ws.adapter';

describe('matchesPattern', () => {
  it.each([
    ['/notebooks/:uuid/ws/notebook', '/notebooks/abc/ws/notebook', true],
    ['/notebooks/:uuid/ws/notebook', '/notebooks/abc/ws/notebook/', true],
    ['/notebooks/:uuid/ws/notebook', '/notebooks//ws/notebook', false],
    ['/notebooks/:uuid/ws/notebook', '/notebooks/abc/ws/stream', false],
    ['/notebooks/:uuid/ws/notebook', '/notebooks/a/b/ws/notebook', false],
    ['/server/ws', '/server/ws', true],
    ['/server/ws', '/server/wsx', false],
  ])('%s vs %s', (pattern, path, expected) => {
    expect(matchesPattern(pattern, path)).toBe(expected);
  });
});
