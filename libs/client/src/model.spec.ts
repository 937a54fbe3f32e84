import type { CellJson } from '@d1/notebook';
import {
  Msg,
  NotebookState,
  applyAll,
  applyMessage,
  fromSnapshot,
  kernelActivity,
  reduce,
  versionGaps,
} from './model';

const NB = '00000000-0000-4000-8000-000000000000';

function cell(
  n: number,
  over: { source?: string; state?: string; outputs?: unknown[]; position?: number } = {},
): CellJson {
  const uuid = `00000000-0000-4000-8000-00000000000${n}`;
  return {
    id: uuid,
    cell_type: 'code',
    source: over.source ?? `x = ${n}`,
    execution_count: null,
    outputs: (over.outputs ?? []) as never,
    metadata: {
      jupyter_d1: {
        uuid,
        notebook_uuid: NB,
        position: over.position ?? n,
        execution_state: (over.state ?? 'idle') as never,
      },
    },
  };
}

const stdout = (text: string) => ({ output_type: 'stream', name: 'stdout', text });
const initial = (): NotebookState => fromSnapshot({ cells: [cell(0), cell(1)], metadata: { a: 1 } }, 5);

interface Row {
  name: string;
  msgs: Msg[];
  expect: (s: NotebookState) => void;
}

const ROWS: Row[] = [
  {
    name: 'a one-cell cell_update replaces that cell in place',
    msgs: [{ cell_update: [cell(1, { source: 'y' })] }],
    expect: (s) => expect(s.cells.map((c) => c.source)).toEqual(['x = 0', 'y']),
  },
  {
    name: 'a one-cell cell_update for an unknown cell appends it',
    msgs: [{ cell_update: [cell(2)] }],
    expect: (s) => expect(s.cells.map((c) => c.id.slice(-1))).toEqual(['0', '1', '2']),
  },
  {
    name: 'a longer cell_update (move, split) is the whole list',
    msgs: [{ cell_update: [cell(1, { position: 0 }), cell(0, { position: 1 })] }],
    expect: (s) => expect(s.cells.map((c) => c.id.slice(-1))).toEqual(['1', '0']),
  },
  {
    name: 'cell_add and cell_delete are the whole list',
    msgs: [{ cell_add: [cell(0), cell(2), cell(1)] }, { cell_delete: [cell(2)] }],
    expect: (s) => expect(s.cells.map((c) => c.id.slice(-1))).toEqual(['2']),
  },
  {
    name: 'metadata replaces the notebook metadata',
    msgs: [{ metadata: { b: 2 } }],
    expect: (s) => expect(s.metadata).toEqual({ b: 2 }),
  },
  {
    name: 'version follows the messages that carry one',
    msgs: [
      { cell_update: [cell(0)], version: 6 },
      { vars: [], version: 7 },
    ],
    expect: (s) => expect(s.version).toBe(7),
  },
  {
    name: 'notebook_snapshot replaces cells, metadata and version, and clears a file change',
    msgs: [
      { notebook_file_changed: { path: '/r/a.ipynb' } },
      { notebook_snapshot: { version: 40, notebook: { cells: [cell(3)], metadata: { c: 3 } } }, version: 40 },
    ],
    expect: (s) => {
      expect([s.cells.map((c) => c.id.slice(-1)), s.metadata, s.version, s.fileChanged]).toEqual([
        ['3'],
        { c: 3 },
        40,
        null,
      ]);
    },
  },
  {
    name: 'notebook_file_changed is kept until a snapshot',
    msgs: [{ notebook_file_changed: { path: '/r/a.ipynb' } }, { cell_update: [cell(0)] }],
    expect: (s) => expect(s.fileChanged).toBe('/r/a.ipynb'),
  },
  {
    name: 'kernel_status is the kernel state',
    msgs: [{ kernel_status: { execution_state: 'starting', kernel_name: 'python3' } }],
    expect: (s) =>
      expect([s.kernel, kernelActivity(s)]).toEqual([
        { execution_state: 'starting', kernel_name: 'python3' },
        'starting',
      ]),
  },
  {
    name: 'a busy or pending cell makes an idle kernel read busy',
    msgs: [
      { kernel_status: { execution_state: 'idle', kernel_name: 'python3' } },
      { cell_update: [cell(0, { state: 'pending' })] },
    ],
    expect: (s) => expect(kernelActivity(s)).toBe('busy'),
  },
  {
    name: 'kernel_restarted replaces the cells and the kernel is idle again',
    msgs: [
      { kernel_status: { execution_state: 'busy', kernel_name: 'python3' } },
      { kernel_restarted: { run_all_cells: false, cells: [cell(0, { outputs: [] }), cell(1)] } },
    ],
    expect: (s) => expect([s.cells.length, s.kernel?.execution_state]).toEqual([2, 'idle']),
  },
  {
    name: 'messages that change nothing shown leave the state as it was',
    msgs: [
      { vars: [] },
      { cell_execution_request: { cell_id: 'x', message_id: 'm' } },
      { scratch_update: {} },
    ],
    expect: (s) => expect(s).toEqual(initial()),
  },
];

describe('the notebook reducer', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    row.expect(applyAll(initial(), row.msgs));
  });

  it('never mutates the state or the messages, and keeps untouched cells as the same objects', () => {
    const before = initial();
    const frozen = JSON.stringify(before);
    const msg = { cell_update: [cell(1, { source: 'changed' })] };
    const after = applyMessage(before, msg);
    expect(JSON.stringify(before)).toBe(frozen);
    expect(after.cells[0]).toBe(before.cells[0]);
    expect(after.cells[1]).toBe(msg.cell_update[0]);
    expect(applyMessage(after, { vars: [] })).toBe(after);
  });
});

describe('a pending input()', () => {
  const busy = (outputs: unknown[] = []) => cell(0, { state: 'busy', outputs });
  const ask = (prompt: string) => ({
    input_request: { cell_id: cell(0).id, prompt, password: false, message_id: 'm1' },
  });

  const CASES: Array<[string, string, Msg[], boolean]> = [
    ['is kept while its cell is busy', 'Name? ', [{ cell_update: [busy()] }], true],
    [
      'is answered when the prompt and the answer are echoed',
      'Name? ',
      [{ cell_update: [busy([stdout('hi\nName? Ada\n')])] }],
      false,
    ],
    [
      'is not answered by output printed before the prompt',
      'Name? ',
      [{ cell_update: [busy([stdout('hi\n')])] }],
      true,
    ],
    [
      'with no prompt, is answered by the echoed line',
      '',
      [{ cell_update: [busy([stdout('hi\nAda\n')])] }],
      false,
    ],
    ['ends when its cell is idle', 'Name? ', [{ cell_update: [cell(0, { state: 'idle' })] }], false],
    ['ends with an interrupt', 'Name? ', [{ kernel_interrupted: { interrupted: true } }], false],
    [
      'ends when the kernel dies',
      'Name? ',
      [{ kernel_status: { execution_state: 'dead', kernel_name: 'python3' } }],
      false,
    ],
    ['ends when its cell is deleted', 'Name? ', [{ cell_delete: [cell(1)] }], false],
  ];

  it.each(CASES)('%s', (_name, prompt, after, waiting) => {
    const start = applyAll(initial(), [{ cell_update: [busy([stdout('hi\n')])] }, ask(prompt)]);
    expect(start.input).toMatchObject({ prompt, stdoutAtRequest: 'hi\n' });
    expect(applyAll(start, after).input !== null).toBe(waiting);
  });
});

describe('reduce and versionGaps', () => {
  it('reduce gives the whole notebook as a client holds it', () => {
    const nb = { cells: [cell(0)], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    expect(reduce(nb, [{ cell_update: [cell(0, { source: 'z' })] }])).toEqual({
      ...nb,
      cells: [cell(0, { source: 'z' })],
    });
  });

  it.each([
    [[6, 7, 8], 5, []],
    [[6, 8], 5, ['expected 7, got 8']],
    [[6, 6], 5, ['expected 7, got 6']],
  ])('versions %j after %d: %j', (versions, after, gaps) => {
    expect(
      versionGaps(
        versions.map((version) => ({ vars: [], version })),
        after,
      ),
    ).toEqual(gaps);
  });
});
