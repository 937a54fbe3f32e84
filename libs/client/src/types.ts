// d1's JSON shapes as a client sees them: REST bodies (reference §1, SPEC §4) and websocket messages (SPEC §5).
import type { CellJson, CellType, ExecutionState, JsonObject, MimeBundle, NotebookJson } from '@d1/notebook';

export type {
  CellJson,
  CellType,
  CodeCellJson,
  ExecutionState,
  JsonObject,
  JsonValue,
  MimeBundle,
  NotebookJson,
  Output,
  TextCellJson,
} from '@d1/notebook';

/** What a token may do (`POST /login/test-token`). */
export interface Permission {
  read_access: boolean;
  write_access: boolean;
  [key: string]: unknown;
}

/** `{message_id}` of a request d1 sent to the kernel for you. */
export interface KernelMessageRef {
  message_id: string;
}

/** The kernel states d1 announces in `kernel_status`. */
export type KernelExecutionState = 'starting' | 'idle' | 'busy' | 'restarting' | 'dead';

export interface KernelStatus {
  execution_state: KernelExecutionState;
  kernel_name: string;
}

/** An `input()` the kernel waits for; answer it with `POST /notebooks/{uuid}/input`. */
export interface InputRequest {
  cell_id: string;
  prompt: string;
  password: boolean;
  message_id: string;
}

/** `{uuid, name}` of an open notebook, as `/server/ws` lists them. */
export interface NotebookEntry {
  uuid: string;
  name: string;
}

/** One entry of a directory listing (WebDAV PROPFIND). */
export interface DirEntry {
  /** Path relative to the root dir, with `/` separators and no leading slash. */
  path: string;
  name: string;
  isDirectory: boolean;
  size: number | null;
  modified: string | null;
}

/** The messages of `/notebooks/{uuid}/ws/notebook`, one key each (plus `version` with `?since`). */
export interface NotebookMessageBodies {
  cell_update: CellJson[];
  cell_add: CellJson[];
  cell_delete: CellJson[];
  cell_execution_request: { cell_id: string; message_id: string };
  cell_execution_input: { content: { code?: string; execution_count?: number }; parent_id: string };
  cell_execution_reply: {
    cell_id: string;
    execution_count: number | null;
    status: 'ok' | 'error' | 'aborted';
    parent_id: string;
  };
  scratch_update: { message_id: string; output?: JsonObject; execution_state?: ExecutionState };
  payload_page: { data: MimeBundle; start: number | null; message_id: string };
  complete_reply: {
    matches: string[];
    cursor_start: number;
    cursor_end: number;
    message_id: string;
    command_id?: string;
  };
  history_reply: { history: unknown[]; message_id: string };
  metadata: JsonObject;
  vars: unknown[];
  kernel_restarted: { run_all_cells: boolean; cells: CellJson[] };
  kernel_interrupted: { interrupted: true };
  kernel_status: KernelStatus;
  input_request: InputRequest;
  notebook_snapshot: { version: number; notebook: NotebookJson };
  notebook_file_changed: { path: string };
  error: { message: string; command_id?: string; detail?: unknown };
}

export type NotebookMessageType = keyof NotebookMessageBodies;

/** One websocket message: `{cell_update: [...]}`, `{kernel_status: {...}, version: 12}`, … */
export type NotebookMessage = {
  [K in NotebookMessageType]: { [P in K]: NotebookMessageBodies[K] } & { version?: number };
}[NotebookMessageType];

/** Fields of `PATCH /notebooks/{uuid}/cells/{cell}`. */
export interface CellPatch {
  source?: string;
  cell_type?: CellType;
}

/** Where a notebook file goes: `filename` (suffix forced to .ipynb) in `directory` (relative to the root). */
export interface FileTarget {
  filename: string;
  directory?: string;
}
