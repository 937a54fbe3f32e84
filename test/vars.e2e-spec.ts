import { useD1 } from './support/d1';
import {
  Session,
  expectConsistent,
  oneRun,
  openSession,
  sequence,
  settled,
  untilAll,
} from './support/execution';

describe('variables: the list after every execution, one variable with pages', () => {
  const d1 = useD1();
  let s: Session;
  beforeAll(async () => {
    s = await openSession(d1, [
      'import math\nn = 42\nx = 2.5\ns = "hello"\nlong = "y" * 500\nl = list(range(120))\nd = {"a": 1, "b": [1, 2]}',
      'n = 43',
    ]);
  });
  d1.beforeClose(async () => {
    await s?.close();
  });

  it('is [] before any run, then broadcast as `vars` after the run and served by GET vars', async () => {
    expect((await s.call('GET', '/vars')).json).toEqual({ vars: [] });
    await s.execute(0);
    await untilAll(s, settled(s), 'the cell and its vars');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'update c0 pending',
      'request c0',
      ...oneRun('c0', 'ok', false),
      'vars',
    ]);
    const listed = (await s.call('GET', '/vars')).json.vars;
    expect(msgs[msgs.length - 1].vars).toEqual(listed);
    expect(listed.map((v: { name: string }) => v.name)).toEqual(['d', 'l', 'long', 'n', 's', 'x']);
    const byName = Object.fromEntries(listed.map((v: { name: string }) => [v.name, v]));
    const scalar = (name: string, type: string, value: string) => ({
      name,
      type,
      abbreviated: false,
      has_next_page: false,
      summary: value,
      value: { single_value: value },
    });
    expect(byName.n).toEqual(scalar('n', 'int', '42'));
    expect(byName.x).toEqual(scalar('x', 'float', '2.5'));
    expect(byName.s).toEqual(scalar('s', 'str', "'hello'"));
    expect(byName.long.summary.length).toBeLessThanOrEqual(140);
    expect(byName.long.summary.endsWith('\u2026')).toBe(true);
    expect(byName.l.value).toEqual({
      multi_value: {
        row_count: 120,
        column_count: 1,
        column_names: null,
        row_names: null,
        column_types: null,
        data: null,
      },
    });
    expect(byName.d.value.multi_value).toMatchObject({ row_count: 2, column_count: 2 });
  });

  it('GET vars/{name}: a first page of rows with has_next_page; further pages; a dict as key/value', async () => {
    const first = await s.call('GET', '/vars/l');
    expect(first.status).toBe(200);
    const v = first.json.single_var;
    expect(v).toMatchObject({ name: 'l', type: 'list', has_next_page: true, abbreviated: true });
    expect(v.value.multi_value.data).toHaveLength(50);
    expect(v.value.multi_value.data.slice(0, 2)).toEqual([['0'], ['1']]);
    const last = (await s.call('GET', '/vars/l?page=2&page_size=50')).json.single_var;
    expect(last.has_next_page).toBe(false);
    expect(last.value.multi_value.data).toEqual(Array.from({ length: 20 }, (_, i) => [String(100 + i)]));
    const d = (await s.call('GET', '/vars/d')).json.single_var;
    expect(d.has_next_page).toBe(false);
    expect(d.value.multi_value).toMatchObject({
      column_names: ['key', 'value'],
      data: [
        ['a', '1'],
        ['b', '[1, 2]'],
      ],
    });
    const n = (await s.call('GET', '/vars/n')).json.single_var;
    expect(n.value).toEqual({ single_value: '42' });
  });

  it('POST vars/{name}: rows sorted and filtered as asked, paged after that', async () => {
    const sorted = await s.call('POST', '/vars/l?page_size=3', { sort_by: [0], ascending: [false] });
    expect(sorted.status).toBe(200);
    expect(sorted.json.single_var.value.multi_value.data).toEqual([['119'], ['118'], ['117']]);
    expect(sorted.json.single_var.has_next_page).toBe(true);
    // page_size and page in the body are ignored, as d1 ignores them there.
    const filtered = await s.call('POST', '/vars/l?page_size=0', {
      filters: [{ col: 0, min: 10, max: 13 }],
      page_size: 1,
      page: 7,
    });
    expect(filtered.json.single_var.value.multi_value.data).toEqual([['10'], ['11'], ['12'], ['13']]);
    const byValue = await s.call('POST', '/vars/d', { filters: [{ col: 'key', search: 'B' }] });
    expect(byValue.json.single_var.value.multi_value.data).toEqual([['b', '[1, 2]']]);
    const bad = await s.call('POST', '/vars/l', { ascending: ['yes'] });
    expect(bad.status).toBe(422);
  });

  it('GET vars/{name} of an unknown variable: 404 Variable x not found', async () => {
    const res = await s.call('GET', '/vars/x_missing');
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe('Variable x_missing not found');
  });

  it('a later execution broadcasts the new values', async () => {
    const before = s.clients[0].messages.length;
    await s.execute(1);
    await untilAll(s, (m) => settled(s)(m.slice(before)), 'the second run');
    const msgs = (await expectConsistent(s)).slice(before);
    const vars = msgs[msgs.length - 1].vars;
    expect(vars.find((v: { name: string }) => v.name === 'n').value).toEqual({ single_value: '43' });
  });
});
