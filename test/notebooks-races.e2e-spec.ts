import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { useD1 } from './support/d1';

/** Creating the same file twice at once, or before the first autosave, must not give two notebooks one file. */
describe('creating a file that is already being created', () => {
  const d1 = useD1();

  it('lets exactly one of several concurrent creates win', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => d1.request('POST', '/notebooks/create?filename=same')),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400]);
    for (const r of results.filter((x) => x.status === 400)) {
      expect(r.json).toEqual({
        error: 'BAD_REQUEST',
        reason: 'File already exists',
        detail: 'File already exists',
      });
    }
    expect((await d1.request('GET', '/notebooks')).json.notebooks).toHaveLength(1);
  });

  it('has written the file when create answers', async () => {
    const res = await d1.request('POST', '/notebooks/create?filename=at-once');
    expect(res.status).toBe(201);
    expect(existsSync(join(d1.rootDir, 'at-once.ipynb'))).toBe(true);
    expect((await d1.request('POST', '/notebooks/create?filename=at-once')).status).toBe(400);
  });

  it('refuses upload_and_open onto a file an open notebook is about to write', async () => {
    const body = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    const first = d1.request('POST', '/notebooks/upload_and_open?filename=up', { body });
    const second = d1.request('POST', '/notebooks/upload_and_open?filename=up', { body });
    const statuses = [(await first).status, (await second).status].sort();
    expect(statuses).toEqual([201, 400]);
  });
});
