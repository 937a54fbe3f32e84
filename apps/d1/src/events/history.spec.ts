import { History, serialize } from './history';

describe('serialize', () => {
  it('adds the version to the same JSON once', () => {
    const s = serialize({ cell_update: [{ a: 1 }] }, 7);
    expect(JSON.parse(s.plain.toString())).toEqual({ cell_update: [{ a: 1 }] });
    expect(JSON.parse(s.versioned.toString())).toEqual({ cell_update: [{ a: 1 }], version: 7 });
  });

  it('encodes each wire form once and shares it', () => {
    const s = serialize({ m: 'é' }, 1);
    expect(s.plain).toBe(s.plain);
    expect(s.versioned).toBe(s.versioned);
    expect(s.plain.toString()).toBe('{"m":"é"}');
  });
});

describe('History', () => {
  const fill = (h: History, from: number, to: number): void => {
    for (let v = from; v <= to; v++) h.push(serialize({ m: v }, v));
  };

  it('replays everything after a version it still holds', () => {
    const h = new History(10);
    fill(h, 1, 5);
    expect(h.after(2, 5)?.map((e) => e.version)).toEqual([3, 4, 5]);
    expect(h.after(5, 5)).toEqual([]);
    expect(h.after(6, 5)).toBeNull();
    expect(h.after(0, 5)?.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('says null when the requested version fell out of the buffer', () => {
    const h = new History(3);
    fill(h, 1, 6);
    expect(h.after(3, 6)?.map((e) => e.version)).toEqual([4, 5, 6]);
    expect(h.after(2, 6)).toBeNull();
  });

  it('keeps replaying right after compaction', () => {
    const h = new History(10);
    fill(h, 1, 5000);
    expect(h.after(4995, 5000)?.map((e) => e.version)).toEqual([4996, 4997, 4998, 4999, 5000]);
    expect(h.after(4989, 5000)).toBeNull();
  });

  it('bounds bytes', () => {
    // Each entry is estimated at 2 * 28 + 32 = 88 bytes: 500 holds five.
    const h = new History(1000, 500);
    for (let v = 1; v <= 50; v++) h.push(serialize({ m: 'x'.repeat(20) }, v));
    expect(h.after(45, 50)?.length).toBe(5);
    expect(h.after(10, 50)).toBeNull();
  });
});
