import { NotebookFormatError, parseNotebook } from './index';

const base = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
const codeCell = { cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null };
const withCell = (cell: unknown) => ({ ...base, cells: [codeCell, cell] });
const withOutput = (output: unknown) => ({ ...base, cells: [{ ...codeCell, outputs: [output] }] });

describe('parseNotebook rejects with the exact path', () => {
  it.each<[string, unknown, string]>([
    ['a non-object', [], 'notebook: must be an object'],
    ['null', null, 'notebook: must be an object'],
    ['nbformat 3', { ...base, nbformat: 3 }, 'nbformat: must be 4'],
    ['missing nbformat', { cells: [], metadata: {}, nbformat_minor: 0 }, 'nbformat: is required'],
    ['minor 6', { ...base, nbformat_minor: 6 }, 'nbformat_minor: must be an integer from 0 to 5'],
    ['minor -1', { ...base, nbformat_minor: -1 }, 'nbformat_minor: must be an integer from 0 to 5'],
    ['metadata list', { ...base, metadata: [] }, 'metadata: must be an object'],
    ['missing metadata', { cells: [], nbformat: 4, nbformat_minor: 5 }, 'metadata: is required'],
    ['cells object', { ...base, cells: {} }, 'cells: must be a list'],
    ['extra top-level key', { ...base, worksheets: [] }, 'worksheets: not allowed in a notebook'],
    [
      'bad kernelspec',
      { ...base, metadata: { kernelspec: { name: 'py' } } },
      'metadata.kernelspec.display_name: is required',
    ],
    [
      'bad language_info',
      { ...base, metadata: { language_info: { name: 3 } } },
      'metadata.language_info.name: must be a string',
    ],
    ['non-JSON metadata', { ...base, metadata: { x: NaN } }, 'metadata.x: must be a finite number'],
    ['cell not an object', withCell('x'), 'cells[1]: must be an object'],
    [
      'unknown cell_type',
      { ...base, cells: [codeCell, codeCell, { ...codeCell, cell_type: 'heading' }] },
      'cells[2].cell_type: must be one of code, markdown, raw',
    ],
    ['missing cell_type', withCell({ source: '', metadata: {} }), 'cells[1].cell_type: is required'],
    ['missing source', withCell({ cell_type: 'markdown', metadata: {} }), 'cells[1].source: is required'],
    ['missing cell metadata', withCell({ cell_type: 'raw', source: '' }), 'cells[1].metadata: is required'],
    [
      'numeric source',
      { ...base, cells: [{ ...codeCell, source: 1 }] },
      'cells[0].source: must be a string or a list of strings',
    ],
    [
      'mixed source list',
      withCell({ ...codeCell, source: ['a', 2] }),
      'cells[1].source: must be a string or a list of strings',
    ],
    [
      'outputs on markdown',
      withCell({ cell_type: 'markdown', source: '', metadata: {}, outputs: [] }),
      'cells[1].outputs: not allowed in a markdown cell',
    ],
    [
      'attachments on code',
      withCell({ ...codeCell, attachments: {} }),
      'cells[1].attachments: not allowed in a code cell',
    ],
    [
      'bad cell id',
      withCell({ ...codeCell, id: 'a b' }),
      'cells[1].id: must be 1 to 64 letters, digits, "-" or "_"',
    ],
    [
      'bad execution_count',
      withCell({ ...codeCell, execution_count: 1.5 }),
      'cells[1].execution_count: must be a non-negative integer or null',
    ],
    ['outputs not a list', withCell({ ...codeCell, outputs: {} }), 'cells[1].outputs: must be a list'],
    [
      'bad tags',
      withCell({ ...codeCell, metadata: { tags: [1] } }),
      'cells[1].metadata.tags[0]: must be a string',
    ],
    [
      'bad scrolled',
      withCell({ ...codeCell, metadata: { scrolled: 'yes' } }),
      'cells[1].metadata.scrolled: must be true, false or "auto"',
    ],
    [
      'bad attachment',
      withCell({
        cell_type: 'markdown',
        source: '',
        metadata: {},
        attachments: { 'a.png': { 'image/png': 1 } },
      }),
      'cells[1].attachments["a.png"]["image/png"]: must be a string or a list of strings',
    ],
    [
      'unknown output_type',
      { ...base, cells: [codeCell, { ...codeCell, outputs: [{ output_type: 'pyout' }] }] },
      'cells[1].outputs[0].output_type: must be one of stream, display_data, execute_result, error',
    ],
    [
      'missing output_type',
      withOutput({ name: 'stdout', text: '' }),
      'cells[0].outputs[0].output_type: is required',
    ],
    [
      'stream without name',
      withOutput({ output_type: 'stream', text: '' }),
      'cells[0].outputs[0].name: is required',
    ],
    [
      'stream with numeric text',
      withOutput({ output_type: 'stream', name: 'stdout', text: 5 }),
      'cells[0].outputs[0].text: must be a string or a list of strings',
    ],
    [
      'display_data without metadata',
      withOutput({ output_type: 'display_data', data: {} }),
      'cells[0].outputs[0].metadata: is required',
    ],
    [
      'execute_result without execution_count',
      withOutput({ output_type: 'execute_result', data: {}, metadata: {} }),
      'cells[0].outputs[0].execution_count: is required',
    ],
    [
      'bad text mime value',
      withOutput({ output_type: 'display_data', data: { 'text/plain': { a: 1 } }, metadata: {} }),
      'cells[0].outputs[0].data["text/plain"]: must be a string or a list of strings',
    ],
    [
      'error without traceback',
      withOutput({ output_type: 'error', ename: 'E', evalue: 'v' }),
      'cells[0].outputs[0].traceback: is required',
    ],
    [
      'error with bad traceback',
      withOutput({ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['a', null] }),
      'cells[0].outputs[0].traceback[1]: must be a string',
    ],
    [
      'extra output key',
      withOutput({ output_type: 'stream', name: 'stdout', text: '', transient: {} }),
      'cells[0].outputs[0].transient: not allowed in a stream output',
    ],
  ])('%s', (_name, input, message) => {
    let error: unknown;
    try {
      parseNotebook(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotebookFormatError);
    expect((error as Error).message).toBe(message);
  });

  it('survives hostile nesting without a stack overflow', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100000; i++) deep = { a: deep };
    expect(() => parseNotebook({ ...base, metadata: { deep } })).toThrow(/nested too deeply/);
  });
});

describe('parseNotebook accepts and normalises', () => {
  it.each([0, 1, 2, 3, 4, 5])('nbformat 4.%i', (minor) => {
    expect(parseNotebook({ ...base, nbformat_minor: minor }).nbformat_minor).toBe(minor);
  });

  it('joins multiline strings and fills in code cells', () => {
    const parsed = parseNotebook({
      ...base,
      metadata: {
        custom: { anything: [1, 'two'] },
        kernelspec: { name: 'p', display_name: 'P', extra: true },
      },
      cells: [
        { cell_type: 'code', source: ['a\n', 'b'], metadata: { whatever: 1 } },
        {
          cell_type: 'code',
          source: '',
          metadata: {},
          execution_count: 3,
          outputs: [
            { output_type: 'stream', name: 'stdout', text: ['x\n', 'y'] },
            {
              output_type: 'execute_result',
              execution_count: 3,
              data: {
                'text/plain': ['1', '2'],
                'application/json': { k: [1] },
                'application/vnd.x+json': [1],
              },
              metadata: {},
            },
            { output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t'] },
          ],
        },
        {
          cell_type: 'markdown',
          id: 'abc_1',
          source: [],
          metadata: {},
          attachments: { 'a.png': { 'image/png': ['iV', 'BO'] } },
        },
      ],
    });
    expect(parsed.metadata.custom).toEqual({ anything: [1, 'two'] });
    expect(parsed.cells[0]).toEqual({
      cell_type: 'code',
      source: 'a\nb',
      metadata: { whatever: 1 },
      outputs: [],
      execution_count: null,
    });
    expect(parsed.cells[1]).toMatchObject({
      execution_count: 3,
      outputs: [
        { output_type: 'stream', name: 'stdout', text: 'x\ny' },
        { data: { 'text/plain': '12', 'application/json': { k: [1] }, 'application/vnd.x+json': [1] } },
        { output_type: 'error' },
      ],
    });
    expect(parsed.cells[2]).toEqual({
      cell_type: 'markdown',
      id: 'abc_1',
      source: '',
      metadata: {},
      attachments: { 'a.png': { 'image/png': 'iVBO' } },
    });
  });

  it('keeps a "__proto__" metadata key as data', () => {
    const parsed = parseNotebook(
      JSON.parse('{"cells":[],"metadata":{"__proto__":{"polluted":1}},"nbformat":4,"nbformat_minor":5}'),
    );
    expect(Object.keys(parsed.metadata)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((parsed.metadata as Record<string, unknown>).polluted).toBeUndefined();
  });
});
