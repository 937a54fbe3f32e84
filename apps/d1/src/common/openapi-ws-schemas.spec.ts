import { explain, schemaValidator } from '../../../../test/support/schema-check';
import { REST_SCHEMAS } from './openapi-schemas';
import { WS_FEEDS, WS_SCHEMAS } from './openapi-ws-schemas';

const validator = schemaValidator({ schemas: { ...REST_SCHEMAS, ...WS_SCHEMAS } });
const NB = '6f1c0c4e-3b1a-4f5e-9d2a-1c2b3c4d5e6f';
const CELL = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

const codeCell = (state = 'idle') => ({
  id: CELL,
  cell_type: 'code',
  source: '1+1',
  metadata: { jupyter_d1: { uuid: CELL, notebook_uuid: NB, position: 0, execution_state: state } },
  outputs: [{ output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} }],
  execution_count: 1,
});

/** Checks a notebook-feed message against the schema of its type; null when it matches. */
function check(message: Record<string, unknown>): string | null {
  const schema = WS_FEEDS.notebook.messages[Object.keys(message).find((k) => k !== 'version') ?? ''];
  return schema ? explain(validator(schema), message) : 'unknown type';
}

describe('websocket message schemas', () => {
  it.each([
    ['a cell update', { cell_update: [codeCell()] }],
    ['a versioned one', { cell_update: [codeCell('busy')], version: 7 }],
    [
      'an execution reply',
      { cell_execution_reply: { cell_id: CELL, execution_count: null, status: 'aborted', parent_id: 'm' } },
    ],
    ['a kernel status', { kernel_status: { execution_state: 'restarting', kernel_name: 'python3' } }],
    [
      'an input request',
      { input_request: { cell_id: CELL, prompt: 'name? ', password: false, message_id: 'm' } },
    ],
    ['a refused command', { error: { message: "Command 'x' is not supported", command_id: null } }],
    ['a scratch status', { scratch_update: { message_id: 'm', execution_state: 'busy' } }],
  ])('accept %s as d1 sends it', (_what, message) => {
    expect(check(message)).toBeNull();
  });

  it.each([
    ['an unknown type', { cell_updated: [codeCell()] }, 'unknown type'],
    ['a second key', { cell_update: [codeCell()], kernel_status: {} }, 'must NOT have additional properties'],
    [
      'an unknown execution state',
      { cell_update: [codeCell('running')] },
      'must be equal to one of the allowed values',
    ],
    [
      'a cell without d1 metadata',
      { cell_add: [{ ...codeCell(), metadata: {} }] },
      "required property 'jupyter_d1'",
    ],
    [
      'a stream output as a list of lines',
      {
        cell_update: [{ ...codeCell(), outputs: [{ output_type: 'stream', name: 'stdout', text: ['a\n'] }] }],
      },
      'must be string',
    ],
    ['a fractional version', { kernel_interrupted: { interrupted: true }, version: 1.5 }, 'must be integer'],
    [
      'a kernel status without its kernel',
      { kernel_status: { execution_state: 'idle' } },
      "required property 'kernel_name'",
    ],
  ])('refuse %s', (_what, message, why) => {
    expect(check(message as Record<string, unknown>)).toContain(why);
  });

  it('describe the server and stream feeds', () => {
    const server = (m: Record<string, unknown>) =>
      explain(validator(WS_FEEDS.server.messages[Object.keys(m)[0]]), m);
    expect(server({ notebooks: [{ uuid: NB, name: 'demo' }] })).toBeNull();
    expect(
      server({ watchdog_event: { event_type: 'moved', src_path: '/r/a', dest_path: '/r/b' } }),
    ).toBeNull();
    expect(
      server({ watchdog_event: { event_type: 'renamed', src_path: '/r/a', dest_path: null } }),
    ).toContain('allowed values');
    const stream = validator(WS_FEEDS.stream.schema);
    const raw = {
      channel: 'iopub',
      header: { msg_id: 'a', msg_type: 'status', session: 's' },
      parent_header: {},
      metadata: { jupyter_d1: { cell_uuid: null } },
      content: { execution_state: 'idle' },
      cell_uuid: null,
    };
    expect(explain(stream, raw)).toBeNull();
    expect(explain(stream, { ...raw, channel: 'hb' })).toContain('allowed values');
  });
});
