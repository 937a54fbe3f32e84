import { permission } from '../auth/permission';
import { checkCommand } from './notebook-commands';

const WRITER = permission(true, true);
const READER = permission(true, false);

describe('checkCommand', () => {
  it('passes a well-formed command from a writer on', () => {
    const raw = JSON.stringify({
      command: 'complete',
      command_id: 'c',
      body: { code: 'pri', cursor_position: 3 },
    });
    expect(checkCommand(raw, WRITER)).toEqual({
      ok: true,
      command: { command: 'complete', commandId: 'c', body: { code: 'pri', cursor_position: 3 } },
    });
    expect(checkCommand(JSON.stringify({ command: 'complete', body: { code: '' } }), WRITER)).toEqual({
      ok: true,
      command: { command: 'complete', commandId: null, body: { code: '' } },
    });
  });

  it.each([
    ['not json', WRITER, { message: 'Invalid JSON in command', command_id: null }],
    ['42', WRITER, { message: 'Invalid JSON in command', command_id: null }],
    ['null', READER, { message: 'Invalid JSON in command', command_id: null }],
    [
      '{"command":"execute","command_id":"a"}',
      WRITER,
      { message: "Command 'execute' is not supported", command_id: 'a' },
    ],
    [
      '{"command":"constructor","command_id":"a"}',
      WRITER,
      { message: "Command 'constructor' is not supported", command_id: 'a' },
    ],
    ['{"command_id":"a"}', READER, { message: "Command 'undefined' is not supported", command_id: 'a' }],
    [
      '{"command":"complete","command_id":"a","body":{"code":"x"}}',
      READER,
      {
        message: 'Inadequate permissions',
        detail: "Command 'complete' needs a token with write access",
        command_id: 'a',
      },
    ],
    [
      '{"command":"complete","command_id":7,"body":{}}',
      null,
      {
        message: 'Inadequate permissions',
        detail: "Command 'complete' needs a token with write access",
        command_id: null,
      },
    ],
    [
      '{"command":"complete","command_id":"a","body":{}}',
      WRITER,
      {
        message: 'Error processing incoming command, invalid body',
        detail: [{ loc: ['code'], msg: 'field required', type: 'value_error.missing' }],
        command_id: 'a',
      },
    ],
    [
      '{"command":"complete","command_id":"a","body":{"code":5,"cursor_position":-1}}',
      WRITER,
      {
        message: 'Error processing incoming command, invalid body',
        detail: [
          { loc: ['code'], msg: 'str type expected', type: 'type_error.str' },
          { loc: ['cursor_position'], msg: 'value is not a valid integer', type: 'type_error.integer' },
        ],
        command_id: 'a',
      },
    ],
    [
      '{"command":"complete","command_id":"a","body":[1]}',
      WRITER,
      {
        message: 'Error processing incoming command, invalid body',
        detail: [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }],
        command_id: 'a',
      },
    ],
  ])('%s from %j', (raw, who, error) => {
    expect(checkCommand(raw, who)).toEqual({ ok: false, reply: { error } });
  });
});
