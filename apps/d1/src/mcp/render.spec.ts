import type { CellJson, Output } from '@d1/notebook';
import { cleanText, htmlToText, mergeText, renderCell, renderOutputs } from './render';

const PNG = 'iVBORw0KGgo=';

function codeCell(source: string, outputs: Output[], count: number | null = 1): CellJson {
  return {
    id: 'c1',
    cell_type: 'code',
    source,
    outputs,
    execution_count: count,
    metadata: { jupyter_d1: { uuid: 'c1', notebook_uuid: 'n1', position: 0, execution_state: 'idle' } },
  };
}

describe('renderOutputs', () => {
  const cases: Array<[string, Output[], unknown[]]> = [
    [
      'stdout as it is',
      [{ output_type: 'stream', name: 'stdout', text: 'a\nb\n' }],
      [{ type: 'text', text: 'a\nb\n' }],
    ],
    [
      'stderr labelled, after stdout',
      [
        { output_type: 'stream', name: 'stdout', text: 'out' },
        { output_type: 'stream', name: 'stderr', text: 'err\n' },
      ],
      [{ type: 'text', text: 'out\n[stderr]\nerr\n' }],
    ],
    [
      'colour codes stripped',
      [{ output_type: 'stream', name: 'stdout', text: '\u001b[1;31mred\u001b[0m\n' }],
      [{ type: 'text', text: 'red\n' }],
    ],
    [
      'a raster image as an image, its text repr dropped',
      [
        {
          output_type: 'display_data',
          data: { 'image/png': `${PNG}\n`, 'text/plain': '<Figure size 640x480 with 1 Axes>' },
          metadata: {},
        },
      ],
      [{ type: 'image', mimeType: 'image/png', data: PNG }],
    ],
    [
      'text/plain preferred to HTML when it says something',
      [
        {
          output_type: 'execute_result',
          execution_count: 1,
          data: { 'text/plain': '   a\n0  1', 'text/html': '<table><tr><td>1</td></tr></table>' },
          metadata: {},
        },
      ],
      [{ type: 'text', text: '   a\n0  1' }],
    ],
    [
      "HTML reduced to text when text/plain is only an object's repr",
      [
        {
          output_type: 'display_data',
          data: {
            'text/plain': '<IPython.core.display.HTML object>',
            'text/html': '<h1>Title</h1><p>Hi <b>there</b><script>alert(1)</script></p>',
          },
          metadata: {},
        },
      ],
      [{ type: 'text', text: 'Title\n\nHi there' }],
    ],
    [
      'markdown as it is',
      [
        {
          output_type: 'display_data',
          data: { 'text/markdown': '**b**', 'text/plain': '<Markdown>' },
          metadata: {},
        },
      ],
      [{ type: 'text', text: '**b**' }],
    ],
    [
      'an error as its traceback, without colour',
      [
        {
          output_type: 'error',
          ename: 'ZeroDivisionError',
          evalue: 'division by zero',
          traceback: ['\u001b[0;31mZeroDivisionError\u001b[0m', 'ZeroDivisionError: division by zero'],
        },
      ],
      [
        {
          type: 'text',
          text: '[error] ZeroDivisionError: division by zero\nZeroDivisionError\nZeroDivisionError: division by zero',
        },
      ],
    ],
    [
      'an output with no text form described',
      [{ output_type: 'display_data', data: { 'application/vnd.custom': { a: 1 } }, metadata: {} }],
      [{ type: 'text', text: '[an output of type application/vnd.custom, which has no text form]' }],
    ],
  ];
  it.each(cases)('%s', (_name, outputs, blocks) => {
    expect(renderOutputs(outputs)).toEqual(blocks);
  });
});

describe('cleanText', () => {
  it('keeps the start and the end of a long text and says how much is left out', () => {
    const text = 'a'.repeat(600) + 'b'.repeat(600);
    const cut = cleanText(text, 200);
    expect(cut).toBe(
      `${'a'.repeat(100)}\n[… 1000 characters left out here; ask for more with max_output_chars …]\n${'b'.repeat(100)}`,
    );
    expect(cleanText('short', 200)).toBe('short');
  });
});

describe('htmlToText', () => {
  it('keeps table columns and drops styles', () => {
    expect(
      htmlToText(
        '<style>p{}</style><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>',
      ),
    ).toBe('k   v\na   1');
  });
});

describe('renderCell', () => {
  it('heads a code cell with its index, id, count and state, fences its source and follows with outputs', () => {
    const cell = codeCell('print(1)', [{ output_type: 'stream', name: 'stdout', text: '1\n' }]);
    expect(mergeText(renderCell(cell, 3, { language: 'python' }))).toEqual([
      {
        type: 'text',
        text: '### Cell 3 · code · id c1 · execution_count 1 · idle\n```python\nprint(1)\n```\nOutput:\n1\n',
      },
    ]);
  });

  it('uses a fence longer than any backticks in the source', () => {
    const cell = { ...codeCell('x = """```"""', []), cell_type: 'markdown' } as unknown as CellJson;
    expect(renderCell(cell, 0)[0]).toEqual({
      type: 'text',
      text: '### Cell 0 · markdown · id c1\n````markdown\nx = """```"""\n````',
    });
  });

  it('leaves outputs out on request', () => {
    const cell = codeCell('1', [{ output_type: 'stream', name: 'stdout', text: '1' }]);
    expect(renderCell(cell, 0, { outputs: false })).toHaveLength(1);
  });
});
