// JSON shapes of nbformat 4.5 as d1 serves them. Declared as type aliases (not interfaces) so they stay
// assignable to index-signature types such as @jupyterlab/nbformat's PartialJSONObject.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type CellType = 'code' | 'markdown' | 'raw';
export const CELL_TYPES: readonly CellType[] = ['code', 'markdown', 'raw'];

/** `pending` = queued for the kernel, `busy` = running, `idle` = at rest. */
export type ExecutionState = 'pending' | 'busy' | 'idle';
export const EXECUTION_STATES: readonly ExecutionState[] = ['pending', 'busy', 'idle'];

/** A mime bundle after normalisation: text mimetypes hold one string, JSON mimetypes any JSON value. */
export type MimeBundle = { [mimetype: string]: JsonValue };

export type StreamOutput = { output_type: 'stream'; name: string; text: string };
export type DisplayDataOutput = { output_type: 'display_data'; data: MimeBundle; metadata: JsonObject };
export type ExecuteResultOutput = {
  output_type: 'execute_result';
  execution_count: number | null;
  data: MimeBundle;
  metadata: JsonObject;
};
export type ErrorOutput = { output_type: 'error'; ename: string; evalue: string; traceback: string[] };
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;
export type OutputType = Output['output_type'];
export const OUTPUT_TYPES: readonly OutputType[] = ['stream', 'display_data', 'execute_result', 'error'];

export type D1CellMetadata = {
  uuid: string;
  notebook_uuid: string;
  position: number;
  execution_state: ExecutionState;
};
export type CellMetadata = JsonObject & { jupyter_d1?: D1CellMetadata };

export type CodeCellJson = {
  id: string;
  cell_type: 'code';
  source: string;
  metadata: CellMetadata;
  outputs: Output[];
  execution_count: number | null;
};
export type TextCellJson = {
  id: string;
  cell_type: 'markdown' | 'raw';
  source: string;
  metadata: CellMetadata;
  attachments?: JsonObject;
};
export type CellJson = CodeCellJson | TextCellJson;

export type NotebookJson = {
  cells: CellJson[];
  metadata: JsonObject;
  nbformat: 4;
  nbformat_minor: number;
};

/**
 * A notebook as parsed from outside: same shapes, but `id` is optional and cell metadata is free-form
 * (whatever `jupyter_d1` it carries is only read, never trusted).
 */
export type ParsedCell =
  | (Omit<CodeCellJson, 'id' | 'metadata'> & { id?: string; metadata: JsonObject })
  | (Omit<TextCellJson, 'id' | 'metadata'> & { id?: string; metadata: JsonObject });
export type ParsedNotebook = Omit<NotebookJson, 'cells'> & { cells: ParsedCell[] };

/** The part of a Jupyter kernel message the model reads (compatible with @jupyterlab/services' IMessage). */
export type JupyterMessage = {
  header: { msg_type: string; msg_id?: string };
  parent_header?: unknown;
  content: unknown;
};
