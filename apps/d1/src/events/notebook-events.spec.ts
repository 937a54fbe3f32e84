import type { CellJson } from '@d1/notebook';
import { COALESCE_MS, NotebookEvents } from './notebook-events';

/** Stand-ins for cells: the bus passes them through as they are. */
const cells = (...c: object[]): CellJson[] => c as CellJson[];

describe('NotebookEvents coalescing', () => {
  let events: NotebookEvents;
  let sent: Array<{ version: number; text: string }>;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(1_000_000);
    events = new NotebookEvents();
    sent = [];
    events.notebook$.subscribe((e) =>
      sent.push({ version: e.message.version, text: e.message.plain.toString() }),
    );
  });
  afterEach(() => jest.useRealTimers());

  const burst = (n: number, key = 'c1'): void => {
    for (let i = 1; i <= n; i++)
      events.emitCoalesced('nb', key, () => ({ cell_update: cells({ id: key, n: i }) }));
  };

  it('sends the first update at once and merges the rest of a burst into one with the final state', () => {
    burst(1000);
    expect(sent.map((m) => m.text)).toEqual(['{"cell_update":[{"id":"c1","n":1}]}']);
    jest.advanceTimersByTime(COALESCE_MS);
    expect(sent.map((m) => m.text)).toEqual([
      '{"cell_update":[{"id":"c1","n":1}]}',
      '{"cell_update":[{"id":"c1","n":1000}]}',
    ]);
    expect(sent.map((m) => m.version)).toEqual([1, 2]);
  });

  it('sends at most one update per key per interval during a long stream', () => {
    for (let t = 0; t < 1000; t++) {
      burst(10);
      jest.advanceTimersByTime(1);
    }
    jest.advanceTimersByTime(COALESCE_MS);
    expect(sent.length).toBeLessThanOrEqual(1000 / COALESCE_MS + 2);
    expect(sent.at(-1)?.text).toBe('{"cell_update":[{"id":"c1","n":10}]}');
  });

  it('keeps keys apart', () => {
    burst(5, 'a');
    burst(5, 'b');
    jest.advanceTimersByTime(COALESCE_MS);
    expect(sent.map((m) => m.text)).toEqual([
      '{"cell_update":[{"id":"a","n":1}]}',
      '{"cell_update":[{"id":"b","n":1}]}',
      '{"cell_update":[{"id":"a","n":5}]}',
      '{"cell_update":[{"id":"b","n":5}]}',
    ]);
  });

  it('flushes held-back output before a plain emit, so states are never reordered or merged away', () => {
    burst(3);
    events.emit('nb', { cell_update: cells({ id: 'c1', state: 'idle' }) });
    expect(sent.map((m) => m.text)).toEqual([
      '{"cell_update":[{"id":"c1","n":1}]}',
      '{"cell_update":[{"id":"c1","n":3}]}',
      '{"cell_update":[{"id":"c1","state":"idle"}]}',
    ]);
    jest.advanceTimersByTime(COALESCE_MS * 4);
    expect(sent).toHaveLength(3);
  });

  it('drops the held-back update a full-state emit supersedes, flushing other cells first', () => {
    burst(3, 'a');
    burst(3, 'b');
    events.emit('nb', { cell_update: cells({ id: 'a', state: 'idle' }) }, { supersedes: 'a' });
    expect(sent.map((m) => m.text)).toEqual([
      '{"cell_update":[{"id":"a","n":1}]}',
      '{"cell_update":[{"id":"b","n":1}]}',
      '{"cell_update":[{"id":"b","n":3}]}',
      '{"cell_update":[{"id":"a","state":"idle"}]}',
    ]);
    expect(sent.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    jest.advanceTimersByTime(COALESCE_MS * 4);
    expect(sent).toHaveLength(4);
    burst(1, 'a'); // later output of that cell is still coalesced and delivered
    jest.advanceTimersByTime(COALESCE_MS);
    expect(sent.at(-1)?.text).toBe('{"cell_update":[{"id":"a","n":1}]}');
  });

  it('supersedes nothing when no update of that key is held back', () => {
    events.emit('nb', { cell_update: cells({ id: 'a', state: 'busy' }) }, { supersedes: 'a' });
    expect(sent.map((m) => m.text)).toEqual(['{"cell_update":[{"id":"a","state":"busy"}]}']);
  });

  it('sends nothing when the builder finds nothing to send (e.g. the cell was deleted)', () => {
    burst(1);
    events.emitCoalesced('nb', 'c1', () => null);
    jest.advanceTimersByTime(COALESCE_MS);
    expect(sent).toHaveLength(1);
    expect(events.version('nb')).toBe(1);
  });

  it('drops held-back output of a forgotten notebook', () => {
    burst(3);
    events.forget('nb');
    jest.advanceTimersByTime(COALESCE_MS);
    expect(sent).toHaveLength(1);
  });
});

describe('NotebookEvents replay', () => {
  it('replays after a known version, and asks for a snapshot when too old or from the future', () => {
    const events = new NotebookEvents();
    events.setHistoryLimits({ maxEntries: 3 });
    expect(events.replay('nb', 0)).toEqual([]);
    for (let i = 0; i < 5; i++) events.emit('nb', { vars: [] });
    expect(events.replay('nb', 2)?.map((s) => s.version)).toEqual([3, 4, 5]);
    expect(events.replay('nb', 1)).toBeNull();
    expect(events.replay('nb', 9)).toBeNull();
    expect(events.replay('nb', 5)).toEqual([]);
  });

  it('does not advance the version for a reply to one client', () => {
    const events = new NotebookEvents();
    events.emit('nb', { vars: [] });
    expect(events.emit('nb', { vars: [] }, { onlyClient: 'x' })).toBe(1);
    expect(events.version('nb')).toBe(1);
  });
});
