import type { SchemaObject } from '@nestjs/swagger';
import {
  anyJson,
  array,
  bool,
  closed,
  int,
  nullable,
  num,
  oneOf,
  open,
  ref,
  str,
  uuid,
  wrap,
} from './openapi-schema-kit';

const mimeBundle = open({}, [], {
  description: 'Mime type to content: text types hold one string, JSON types any JSON value.',
});

/** nbformat 4.5 outputs as d1 serves them (stream text is one string, never a list of lines). */
const OUTPUTS: Record<string, SchemaObject> = {
  StreamOutput: closed({
    output_type: oneOf(['stream']),
    name: str('stdout or stderr'),
    text: str('The stream text with \\r and \\b applied'),
  }),
  DisplayDataOutput: closed({ output_type: oneOf(['display_data']), data: mimeBundle, metadata: open() }),
  ExecuteResultOutput: closed({
    output_type: oneOf(['execute_result']),
    execution_count: nullable(int()),
    data: mimeBundle,
    metadata: open(),
  }),
  ErrorOutput: closed({
    output_type: oneOf(['error']),
    ename: str(),
    evalue: str(),
    traceback: array(str()),
  }),
  Output: {
    oneOf: ['StreamOutput', 'DisplayDataOutput', 'ExecuteResultOutput', 'ErrorOutput'].map(ref),
    discriminator: {
      propertyName: 'output_type',
      mapping: {
        stream: '#/components/schemas/StreamOutput',
        display_data: '#/components/schemas/DisplayDataOutput',
        execute_result: '#/components/schemas/ExecuteResultOutput',
        error: '#/components/schemas/ErrorOutput',
      },
    },
  },
};

const inputRequest = closed({
  cell_id: uuid(),
  prompt: str(),
  password: bool(),
  message_id: str('msg_id of the kernel input_request'),
});

const cellMetadata = open(
  {
    jupyter_d1: closed(
      {
        uuid: uuid('The cell id (equal to the nbformat `id`)'),
        notebook_uuid: uuid(),
        position: int('0-based index in the notebook', { minimum: 0 }),
        execution_state: oneOf(['pending', 'busy', 'idle'], 'pending = queued for the kernel'),
      },
      [],
      { description: "d1's cell metadata; generated on every output, never stored by clients" },
    ),
  },
  ['jupyter_d1'],
);

/** Cells and notebooks: nbformat 4.5 with d1's `metadata.jupyter_d1`. */
const NOTEBOOK: Record<string, SchemaObject> = {
  CodeCell: closed({
    id: uuid(),
    cell_type: oneOf(['code']),
    source: str(),
    metadata: cellMetadata,
    outputs: array(ref('Output')),
    execution_count: nullable(int()),
  }),
  TextCell: closed(
    {
      id: uuid(),
      cell_type: oneOf(['markdown', 'raw']),
      source: str(),
      metadata: cellMetadata,
      attachments: open(),
    },
    ['attachments'],
  ),
  Cell: {
    oneOf: [ref('CodeCell'), ref('TextCell')],
    discriminator: {
      propertyName: 'cell_type',
      mapping: {
        code: '#/components/schemas/CodeCell',
        markdown: '#/components/schemas/TextCell',
        raw: '#/components/schemas/TextCell',
      },
    },
  },
  NotebookMetadata: open(
    {
      jupyter_d1: open(
        {
          uuid: uuid('The notebook uuid'),
          name: str('File name without .ipynb (Untitled for a notebook without a file)'),
          path: str('Absolute path of its file; absent for an in-memory notebook'),
          working_directory: str('Absolute path the kernel runs in'),
        },
        ['uuid', 'name', 'working_directory'],
      ),
      kernelspec: open({ name: str(), display_name: str(), language: str() }, [
        'name',
        'display_name',
        'language',
      ]),
    },
    ['jupyter_d1', 'kernelspec'],
    {
      description:
        "An open notebook's metadata: nbformat's, with d1's `jupyter_d1` and the kernelspec in use",
    },
  ),
  Notebook: closed({
    cells: array(ref('Cell')),
    metadata: ref('NotebookMetadata'),
    nbformat: int(undefined, { enum: [4] }),
    nbformat_minor: int(),
  }),
  NotebookUpload: open(
    {
      cells: array(open()),
      metadata: open(),
      nbformat: int(undefined, { enum: [4] }),
      nbformat_minor: int(),
    },
    ['cells', 'metadata', 'nbformat', 'nbformat_minor'],
    { description: 'An nbformat 4 notebook file (.ipynb JSON); d1 gives it a new uuid' },
  ),
  KernelVariable: closed({
    name: str(),
    type: nullable(str('Type name in the kernel')),
    abbreviated: bool(),
    has_next_page: bool(),
    value: {
      nullable: true,
      type: 'object',
      description: '`{single_value}` for scalars, `{multi_value}` for tables and sequences',
      additionalProperties: false,
      properties: {
        single_value: str(),
        multi_value: closed({
          row_count: nullable(int()),
          column_count: nullable(int()),
          column_names: nullable(array(anyJson())),
          row_names: nullable(array(anyJson())),
          column_types: nullable(array(anyJson())),
          data: nullable(array(array(anyJson()))),
        }),
      },
    },
    summary: nullable(str()),
  }),
  InputRequest: inputRequest,
  KernelMessageRef: closed({ message_id: str('The Jupyter msg_id of the request d1 sent (or will send)') }),
};

/** Errors: `{error, reason, detail}` on every failure. */
const ERRORS: Record<string, SchemaObject> = {
  FieldError: closed({
    loc: array({ oneOf: [str(), int()] }, 'Where: body, query or path, then the field'),
    msg: str(),
    type: str(),
  }),
  ErrorResponse: closed(
    {
      error: str('A stable code: NOTEBOOK_NOT_FOUND, CELL_NOT_FOUND, VALIDATION_ERROR, BAD_REQUEST, …'),
      reason: str('A sentence a user can act on'),
      detail: {
        description:
          'null, the message of the original d1 (e.g. `File already exists`), the fields that failed validation ' +
          '(422), the allowed methods (405) or the last log lines of a server that failed to start',
        oneOf: [nullable(str()), array({ oneOf: [ref('FieldError'), str()] })],
      },
    },
    [],
    { description: "d1's error JSON" },
  ),
};

const serverStats = closed({
  timestamp: str(undefined, { format: 'date-time' }),
  disk: closed({ free: int(), percent: num(), total: int() }),
  memory: closed({ available: int(), total: int() }),
  cpu: closed({ percent: num(), load_percent: num() }),
  gpu: array(open(), 'Always empty: d1 does not probe GPUs'),
});

const kernelModel = open(
  {
    id: str(),
    name: str('Kernel spec name'),
    last_activity: str(undefined, { format: 'date-time' }),
    execution_state: str(),
    connections: int(),
  },
  ['id', 'name'],
  { description: 'A running kernel, as the kernel service reports it' },
);

const launcherEntry = closed({ enabled: bool(), title: str(), icon_path: nullable(str()) });

/** Kernels, server facts and supervised processes. */
const SERVER: Record<string, SchemaObject> = {
  ServerStats: serverStats,
  KernelModel: kernelModel,
  KernelModelList: array(ref('KernelModel')),
  KernelSpec: closed({
    kernel_name: str(),
    resource_dir: str(),
    order: int(),
    spec: closed({
      display_name: str(),
      language: str(),
      interrupt_mode: str(),
      metadata: open(),
      argv: array(str()),
      env: open(),
    }),
  }),
  KernelStreamLine: closed(
    {
      channel: str('shell, iopub, stdin, control; `d1` for d1_error'),
      msg_type: str('The Jupyter message type; `d1_error` when the execution failed after the stream began'),
      msg_id: str(),
      parent_msg_id: nullable(str()),
      header: open(),
      parent_header: open(),
      metadata: open(),
      content: open(),
    },
    ['msg_id', 'parent_msg_id', 'header', 'parent_header', 'metadata'],
    { description: 'One line of the NDJSON stream of POST /kernels/{id}/execute' },
  ),
  SupervisedProcess: closed({
    name: str(),
    state: oneOf(['stopped', 'starting', 'running', 'restarting', 'failed', 'stopping']),
    pid: nullable(int()),
    port: nullable(int()),
    restarts: int(),
    started_at: nullable(str(undefined, { format: 'date-time' })),
    last_exit: nullable(
      closed({ code: nullable(int()), signal: nullable(str()), at: str(undefined, { format: 'date-time' }) }),
    ),
    url: str('Where d1 proxies it'),
    absolute_url: bool(),
    launcher_entry: launcherEntry,
  }),
};

const permission = closed({
  id: int(),
  user_id: int(),
  work_node_id: int(),
  read_access: bool(),
  write_access: bool(),
});

/** The single-key wrappers d1 answers with, named after what they hold. */
const RESPONSES: Record<string, SchemaObject> = {
  TokenResponse: wrap('token', closed({ access_token: str('A JWT'), token_type: oneOf(['bearer']) })),
  PermissionResponse: wrap('permission', permission),
  NotebooksResponse: wrap('notebooks', array(ref('Notebook'))),
  NotebookResponse: wrap('notebook', ref('Notebook')),
  VersionedNotebookResponse: closed({
    notebook: ref('Notebook'),
    version: int('The version its websocket messages have reached (for `?since`)', { minimum: 0 }),
  }),
  PathResponse: wrap('path', str()),
  MetadataResponse: wrap('metadata', open({}, [], { description: "The notebook's metadata" })),
  CellsResponse: wrap('cells', array(ref('Cell'))),
  CellResponse: wrap('cell', ref('Cell')),
  CellPatchResponse: closed({
    cell: ref('Cell'),
    patch: nullable(array(open(), 'Always null: d1 sends cells')),
  }),
  CellPatchExecuteResponse: closed({
    cell: ref('Cell'),
    patch: nullable(array(open(), 'Always null: d1 sends cells')),
    kernel_message: ref('KernelMessageRef'),
  }),
  KernelMessageResponse: wrap('kernel_message', ref('KernelMessageRef')),
  KernelMessagesResponse: wrap('kernel_messages', array(ref('KernelMessageRef'))),
  // OpenAPI 3.0 cannot make a $ref nullable: the schema is written out with `nullable` instead.
  InputRequestResponse: wrap('input_request', nullable(inputRequest)),
  VarsResponse: wrap('vars', array(ref('KernelVariable'))),
  SingleVarResponse: wrap('single_var', ref('KernelVariable')),
  KernelSpecsResponse: wrap('kernel_specs', array(ref('KernelSpec'))),
  KernelIdleResponse: closed({
    idle: bool('No cell is queued or running and no kernel is busy'),
    last_idle: str('When that was last true (UTC, no zone)'),
  }),
  KernelAliveResponse: closed({ kernel_is_alive: bool(), kernel_id: str() }),
  KernelPoolResponse: wrap(
    'kernel_pool',
    closed({
      spec: nullable(str('The kernel spec the pool keeps (the default one); null until it is known')),
      size: int('How many started kernels the pool keeps (--kernel-pool)'),
      ready: int('Kernels started and waiting for a notebook'),
      starting: int('Kernels being started now'),
    }),
  ),
  ServerVersionResponse: wrap('version', closed({ major: int(), minor: int(), micro: int() })),
  EnvironmentResponse: wrap(
    'environment_info',
    open({
      os: open(),
      python: open(),
      node: open(),
      process: open(),
      config: open(),
      cores: int(),
      version: open(),
    }),
  ),
  JupyterInfoResponse: wrap(
    'server_info',
    closed({
      mode: oneOf(['embedded', 'gateway']),
      url: str(),
      pid: nullable(int()),
      port: nullable(int()),
      root_dir: str(),
      version: nullable(str()),
      status: str(),
      restarts: int(),
    }),
  ),
  ServerStatsListResponse: wrap('server_stats', array(ref('ServerStats')), 'Newest first'),
  LatestServerStatsResponse: wrap('server_stats', nullable(serverStats), 'null before the first sample'),
  ProcessesResponse: wrap('processes', array(ref('SupervisedProcess'))),
  ProcessLogsResponse: closed({ name: str(), lines: array(str()) }),
  HelloResponse: closed({ message: str() }),
  HealthResponse: closed({ status: oneOf(['ok', 'ready']) }),
};

/** Every schema of the REST API that is not a request DTO. */
export const REST_SCHEMAS: Record<string, SchemaObject> = {
  ...OUTPUTS,
  ...NOTEBOOK,
  ...ERRORS,
  ...SERVER,
  ...RESPONSES,
};
