import { NotebookModel, type CodeCellJson, type JupyterMessage, type Output } from './index';

// Builders shared by the output specs.

/** An iopub message as the kernel relay hands it over. */
export const msg = (msg_type: string, content: unknown): JupyterMessage => ({
  header: { msg_type, msg_id: 'm' },
  parent_header: {},
  content,
});
export const stream = (name: string, text: string) => msg('stream', { name, text });
export const display = (data: Record<string, unknown>, display_id?: string) =>
  msg('display_data', { data, metadata: {}, ...(display_id ? { transient: { display_id } } : {}) });
export const update = (data: Record<string, unknown>, display_id: string) =>
  msg('update_display_data', { data, metadata: { updated: true }, transient: { display_id } });
export const clear = (wait: boolean) => msg('clear_output', { wait });
export const result = (count: number, text: string) =>
  msg('execute_result', { execution_count: count, data: { 'text/plain': text }, metadata: {} });
export const errorMsg = msg('error', {
  ename: 'ValueError',
  evalue: 'bad',
  traceback: ['Traceback', 'ValueError: bad'],
});

/** A stream output as stored. */
export const out = (name: string, text: string): Output => ({ output_type: 'stream', name, text });

/** An empty notebook with two code cells and shortcuts to feed them messages. */
export function setup(maxOutputBytes?: number) {
  const model = NotebookModel.empty({ maxOutputBytes });
  const a = model.addCell({ source: 'a' }).id;
  const b = model.addCell({ source: 'b' }).id;
  const outputs = (uuid: string): Output[] => (model.getCell(uuid) as CodeCellJson).outputs;
  const run = (uuid: string, ...messages: JupyterMessage[]) =>
    messages.map((m) => model.applyMessage(uuid, m));
  return { model, a, b, outputs, run };
}

/** A notebook file as JSON (nbformat 4.4, as many files on disk are). */
export function nb(cells: unknown[], metadata: Record<string, unknown> = {}): unknown {
  return { cells, metadata, nbformat: 4, nbformat_minor: 4 };
}

/** A code cell as JSON. */
export function code(source: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null, ...extra };
}

/** A markdown cell as JSON. */
export function md(source: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cell_type: 'markdown', source, metadata: {}, ...extra };
}

/** Opens cells as a notebook with a fresh uuid. */
export function open(cells: unknown[]): NotebookModel {
  return NotebookModel.parse(nb(cells), { newUuid: true });
}
