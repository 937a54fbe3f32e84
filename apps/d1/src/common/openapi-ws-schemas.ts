import type { SchemaObject } from '@nestjs/swagger';
import {
  Schema,
  array,
  bool,
  closed,
  int,
  nullable,
  oneOf,
  open,
  ref,
  str,
  uuid,
} from './openapi-schema-kit';

/** The websocket feeds: their path, what the messages on them are, and the component describing each kind. */
export interface WsFeed {
  path: string;
  /** Component that every message of the feed validates against. */
  schema: string;
  /** Message key -> component of the whole message (single-key feeds only). */
  messages: Record<string, string>;
}

const cells = (description: string): SchemaObject => array(ref('Cell'), description);

/** Payload of each message of /notebooks/{uuid}/ws/notebook, by its key (SPEC §5, reference §2.1). */
const NOTEBOOK_PAYLOADS: Record<string, Schema> = {
  cell_update: cells('One changed cell, or every cell in order after a move or split'),
  cell_add: cells('Every cell, after a cell was added (or a delete undone)'),
  cell_delete: cells('The remaining cells, after a delete or merge'),
  cell_execution_request: closed({ cell_id: uuid(), message_id: str('msg_id of its execute_request') }),
  cell_execution_input: closed({
    content: open({ code: str(), execution_count: int() }, [], { description: "The kernel's execute_input" }),
    parent_id: str('msg_id of the execute_request'),
  }),
  cell_execution_reply: closed({
    cell_id: uuid(),
    execution_count: nullable(int()),
    status: oneOf(['ok', 'error', 'aborted']),
    parent_id: str('msg_id of the execute_request'),
  }),
  scratch_update: closed(
    {
      message_id: str(),
      output: open(
        { output_type: oneOf(['stream', 'display_data', 'execute_result', 'error']) },
        ['output_type'],
        {
          description: 'The kernel output as it came (not merged into anything)',
        },
      ),
      execution_state: str('The kernel status while running the scratch code (busy, idle)'),
    },
    ['output', 'execution_state'],
  ),
  payload_page: closed({
    data: open({}, [], { description: 'Mime bundle of the page' }),
    start: nullable(int()),
    message_id: str(),
  }),
  complete_reply: closed({
    matches: array(str()),
    cursor_start: int(),
    cursor_end: int(),
    message_id: str(),
    command_id: nullable(str('The command_id of the websocket command it answers; null for REST')),
  }),
  history_reply: closed({
    history: array(closed({ line_number: int(), input: str(), output: nullable(str()) })),
    message_id: str(),
  }),
  metadata: ref('NotebookMetadata'),
  vars: array(ref('KernelVariable'), 'The variables after an execution reached idle'),
  kernel_restarted: closed({ run_all_cells: bool(), cells: cells('Every cell after the restart') }),
  kernel_interrupted: closed({ interrupted: { type: 'boolean', enum: [true] } }),
  kernel_status: closed({
    execution_state: oneOf(['starting', 'idle', 'busy', 'restarting', 'dead']),
    kernel_name: str(),
  }),
  input_request: ref('InputRequest'),
  notebook_snapshot: closed({
    version: int('The version the snapshot is at', { minimum: 0 }),
    notebook: ref('Notebook'),
  }),
  notebook_file_changed: closed({ path: str('The file someone else changed; POST reload loads it') }),
  error: closed(
    {
      message: str(),
      command_id: nullable(str()),
      detail: { oneOf: [str(), array(open())], description: 'Why; the failed fields of an invalid body' },
    },
    ['detail'],
    { description: 'A refused command, to its sender only' },
  ),
};

/** Payload of each message of /server/ws, by its key (SPEC §5, reference §2.3). */
const SERVER_PAYLOADS: Record<string, Schema> = {
  notebooks: array(closed({ uuid: uuid(), name: str() }), 'The open notebooks, on every open and close'),
  watchdog_event: closed({
    event_type: oneOf(['created', 'modified', 'deleted', 'moved']),
    src_path: str('Absolute path under the root dir'),
    dest_path: nullable(str('Where it moved to (moved only)')),
  }),
  server_stats: ref('ServerStats'),
};

const VERSION = int(
  'Present when the client connected with `?since`: the version this message brought the notebook to',
  {
    minimum: 0,
  },
);

function messageName(key: string): string {
  return key.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase()) + 'Message';
}

/** `{<key>: payload}` plus, on versioned connections, `version`. */
function messages(payloads: Record<string, Schema>, versioned: boolean): Record<string, SchemaObject> {
  return Object.fromEntries(
    Object.entries(payloads).map(([key, payload]) => {
      const properties: Record<string, Schema> = versioned
        ? { [key]: payload, version: VERSION }
        : { [key]: payload };
      return [messageName(key), closed(properties, ['version'])];
    }),
  );
}

const notebookMessages = messages(NOTEBOOK_PAYLOADS, true);
const serverMessages = messages(SERVER_PAYLOADS, false);

const streamMessage = open(
  {
    channel: oneOf(['shell', 'iopub', 'stdin', 'control']),
    header: open({ msg_id: str(), msg_type: str() }, ['msg_id', 'msg_type']),
    parent_header: open(),
    metadata: open({ jupyter_d1: closed({ cell_uuid: nullable(uuid()) }) }, ['jupyter_d1']),
    content: open(),
    cell_uuid: nullable(uuid('The cell whose execution the message belongs to; null for other requests')),
  },
  ['channel', 'header', 'parent_header', 'metadata', 'content', 'cell_uuid'],
  { description: "A raw Jupyter message of the notebook's kernel, with its channel and cell" },
);

const command = closed(
  {
    command: oneOf(['complete'], 'The only command; it needs a token with write access'),
    command_id: str('Opaque; the reply carries it back'),
    body: closed(
      { code: str(), cursor_position: nullable(int('Default: the end of code', { minimum: 0 })) },
      ['cursor_position'],
    ),
  },
  ['command_id'],
  { description: 'What a client may send on /notebooks/{uuid}/ws/notebook' },
);

/** Every websocket schema, for the OpenAPI document's components. */
export const WS_SCHEMAS: Record<string, SchemaObject> = {
  ...notebookMessages,
  ...serverMessages,
  NotebookFeedMessage: { oneOf: Object.keys(notebookMessages).map(ref) },
  NotebookFeedCommand: command,
  StreamFeedMessage: streamMessage,
  ServerFeedMessage: { oneOf: Object.keys(serverMessages).map(ref) },
};

const byKey = (payloads: Record<string, Schema>): Record<string, string> =>
  Object.fromEntries(Object.keys(payloads).map((key) => [key, messageName(key)]));

/** The three feeds (SPEC §5). */
export const WS_FEEDS: Record<'notebook' | 'stream' | 'server', WsFeed> = {
  notebook: {
    path: '/notebooks/{uuid}/ws/notebook',
    schema: 'NotebookFeedMessage',
    messages: byKey(NOTEBOOK_PAYLOADS),
  },
  stream: { path: '/notebooks/{uuid}/ws/stream', schema: 'StreamFeedMessage', messages: {} },
  server: { path: '/server/ws', schema: 'ServerFeedMessage', messages: byKey(SERVER_PAYLOADS) },
};

/** The websockets tag of the document: how to connect, and where the message schemas are. */
export const WS_DESCRIPTION = [
  'Three websocket feeds share the HTTP port. Authenticate with `Authorization: Bearer <token>`, ' +
    '`?token=<token>` (browsers) or the subprotocols `bearer, <token>`; any token with read access may listen. ' +
    'A refused handshake is closed with 1008, and so is a socket whose token expires. Every server message is ' +
    'a JSON object with one key naming its type.',
  ['| path | messages (component) |', '| --- | --- |']
    .concat(Object.values(WS_FEEDS).map((f) => `| \`${f.path}\` | \`${f.schema}\` |`))
    .join('\n'),
  'On the notebook feed, `?since=<version>` first replays every message after that version (each then carries ' +
    '`version`), or sends one `notebook_snapshot` when the version is too old. A client may send ' +
    '`NotebookFeedCommand` (write access); a refused one is answered with an `error` message to that client ' +
    'only. A client whose queue passes the limit is closed with 1013; a message larger than allowed closes it ' +
    'with 1009.',
].join('\n\n');
