import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useD1, type TestD1 } from './support/d1';
import { makeNotebook, uploadAndOpen } from './support/notebooks';

/* eslint-disable @typescript-eslint/no-explicit-any */

const run = promisify(execFile);
const INSPECTOR = join(
  __dirname,
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'inspector',
  'cli',
  'build',
  'cli.js',
);

/**
 * The MCP Inspector's command line (`--cli`), a client written by others, against d1's /mcp: whatever it
 * prints on stdout is the JSON result of one MCP method.
 */
async function inspector(d1: TestD1, token: string, args: string[]): Promise<any> {
  const { stdout } = await run(
    process.execPath,
    [
      INSPECTOR,
      '--cli',
      `${d1.baseUrl}/mcp`,
      '--transport',
      'http',
      '--header',
      `Authorization: Bearer ${token}`,
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout);
}

describe('MCP: the MCP Inspector CLI as a second, independent client', () => {
  const d1 = useD1();
  let uuid: string;

  beforeAll(async () => {
    const nb = await uploadAndOpen(
      d1,
      'filename=inspected.ipynb',
      makeNotebook(['total = sum(range(10))\ntotal']),
    );
    uuid = nb.metadata.jupyter_d1.uuid;
  });

  it('lists the tools and runs a cell through one of them', async () => {
    const token = await d1.token();
    const listed = await inspector(d1, token, ['--method', 'tools/list']);
    const names = listed.tools.map((t: any) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['list_notebooks', 'read_notebook', 'run_cell', 'insert_and_run_cell']),
    );
    expect(names).toHaveLength(19);

    const ran = await inspector(d1, token, [
      '--method',
      'tools/call',
      '--tool-name',
      'run_cell',
      '--tool-arg',
      `notebook=${uuid}`,
      '--tool-arg',
      'cell=0',
    ]);
    const cellId = ran.structuredContent.cell_id;
    expect(ran).toEqual({
      content: [
        { type: 'text', text: `Cell 0 (id ${cellId}) finished: ok, execution_count 1.\nOutput:\n45` },
      ],
      structuredContent: { cell_id: cellId, index: 0, status: 'ok', execution_count: 1, finished: true },
    });
    const served = await d1.request('GET', `/notebooks/${uuid}/cells/${cellId}`);
    expect(served.json.cell.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '45' }, metadata: {} },
    ]);
  });

  it('sees only the reading tools with a read-only token, and is refused a run', async () => {
    const token = await d1.token({ read_access: true, write_access: false });
    const listed = await inspector(d1, token, ['--method', 'tools/list']);
    expect(listed.tools.map((t: any) => t.name).sort()).toEqual([
      'kernel_status',
      'list_files',
      'list_notebooks',
      'list_variables',
      'read_notebook',
      'wait_for_cell',
    ]);
    const refused = await inspector(d1, token, [
      '--method',
      'tools/call',
      '--tool-name',
      'run_cell',
      '--tool-arg',
      `notebook=${uuid}`,
      '--tool-arg',
      'cell=0',
    ]);
    expect(refused.isError).toBe(true);
    expect(JSON.parse(refused.content[0].text).error).toBe('FORBIDDEN');
  });
});
