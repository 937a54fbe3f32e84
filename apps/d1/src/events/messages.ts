import type { CellJson, JsonObject, NotebookJson } from '@d1/notebook';

/** A variable as d1's variable explorer shows it. */
export interface KernelVariable {
  name: string;
  type: string | null;
  abbreviated: boolean;
  has_next_page: boolean;
  value: Record<string, unknown> | null;
  summary: string | null;
}

/** The original d1's ServerStats (reference §1.5); `gpu` stays empty: d1 does not probe GPUs. */
export interface ServerStats {
  timestamp: string;
  disk: { free: number; percent: number; total: number };
  memory: { available: number; total: number };
  cpu: { percent: number; load_percent: number };
  gpu: unknown[];
}

/** An input() the kernel waits for, as clients see it. */
export interface InputRequest {
  cell_id: string;
  prompt: string;
  password: boolean;
  message_id: string;
}

/** Kernel states d1 announces in `kernel_status`. */
export type AnnouncedState = 'starting' | 'idle' | 'busy' | 'restarting' | 'dead';

/**
 * The messages of /notebooks/{uuid}/ws/notebook: name -> payload (SPEC §5; their JSON schemas are in
 * common/openapi-ws-schemas.ts). On the wire each is `{<name>: payload}`.
 */
export interface NotebookMessages {
  cell_update: CellJson[];
  cell_add: CellJson[];
  cell_delete: CellJson[];
  cell_execution_request: { cell_id: string; message_id: string };
  cell_execution_input: { content: JsonObject | Record<string, unknown>; parent_id: string };
  cell_execution_reply: {
    cell_id: string;
    execution_count: number | null;
    status: 'ok' | 'error' | 'aborted';
    parent_id: string;
  };
  scratch_update: { message_id: string; output?: Record<string, unknown>; execution_state?: unknown };
  payload_page: { data: unknown; start: number | null; message_id: string };
  complete_reply: {
    matches: unknown;
    cursor_start: unknown;
    cursor_end: unknown;
    message_id: string;
    command_id: string | null;
  };
  history_reply: {
    history: Array<{ line_number: number; input: string; output: string | null }>;
    message_id: string;
  };
  metadata: JsonObject;
  vars: KernelVariable[];
  kernel_restarted: { run_all_cells: boolean; cells: CellJson[] };
  kernel_interrupted: { interrupted: true };
  kernel_status: { execution_state: AnnouncedState; kernel_name: string };
  input_request: InputRequest;
  notebook_snapshot: { version: number; notebook: NotebookJson };
  notebook_file_changed: { path: string | null };
  error: { message: string; command_id: string | null; detail?: unknown };
}

/** The messages of /server/ws: name -> payload. */
export interface ServerMessages {
  notebooks: Array<{ uuid: string; name: unknown }>;
  watchdog_event: {
    event_type: 'created' | 'modified' | 'deleted' | 'moved';
    src_path: string;
    dest_path: string | null;
  };
  server_stats: ServerStats;
}

/** One message of a map: an object with exactly one key, the message name. */
type OneOf<M> = { [K in keyof M]: { [P in K]: M[K] } & { [P in Exclude<keyof M, K>]?: never } }[keyof M];

/** A message of the notebook feed, e.g. `{cell_update: [...]}`. */
export type NotebookMessage = OneOf<NotebookMessages>;

/** A message of the server feed, e.g. `{notebooks: [...]}`. */
export type ServerMessage = OneOf<ServerMessages>;

/** The name of a notebook message. */
export type NotebookMessageName = keyof NotebookMessages;

/** The notebook message `{name: payload}`, for a name chosen at run time. */
export function notebookMessage<K extends NotebookMessageName>(
  name: K,
  payload: NotebookMessages[K],
): NotebookMessage {
  return { [name]: payload } as unknown as NotebookMessage;
}
