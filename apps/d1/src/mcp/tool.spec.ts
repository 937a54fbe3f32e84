import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { badRequest } from '../common/errors';
import { type ToolContext, type ToolDef, callTool, describeTool, tool } from './tool';

const ctx: ToolContext = { signal: new AbortController().signal, progress: () => undefined };

const echo = tool({
  name: 'echo',
  title: 'Echo',
  access: 'read',
  description: 'Echoes',
  schema: z.strictObject({ text: z.string(), times: z.number().int().min(1).optional() }),
  run: ({ text, times }) => ({ content: [{ type: 'text', text: text.repeat(times ?? 1) }] }),
});
const write = tool({
  name: 'write',
  title: 'Write',
  access: 'write',
  description: 'Writes',
  schema: z.strictObject({}),
  run: () => {
    throw badRequest('File already exists');
  },
});
const broken = tool({
  name: 'broken',
  title: 'Broken',
  access: 'read',
  description: 'Fails unexpectedly',
  schema: z.strictObject({}),
  run: () => {
    throw new Error('secret internals at /srv/d1');
  },
});
const tools = new Map<string, ToolDef>([echo, write, broken].map((t) => [t.name, t]));

function errorOf(result: { isError?: boolean; content: unknown[] }): unknown {
  expect(result.isError).toBe(true);
  return JSON.parse((result.content[0] as { text: string }).text);
}

describe('callTool', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('runs a tool with its validated arguments', async () => {
    expect(await callTool(tools, false, 'echo', { text: 'ab', times: 2 }, ctx)).toEqual({
      content: [{ type: 'text', text: 'abab' }],
    });
  });

  it.each([
    [{}, [{ loc: ['arguments', 'text'], msg: 'is required', type: 'missing' }]],
    [
      { text: 1 },
      [
        {
          loc: ['arguments', 'text'],
          msg: 'Invalid input: expected string, received number',
          type: 'invalid_type',
        },
      ],
    ],
    [
      { text: 'a', times: 0, extra: true },
      [
        { loc: ['arguments', 'times'], msg: 'Too small: expected number to be >=1', type: 'too_small' },
        { loc: ['arguments', 'extra'], msg: 'is not a known argument', type: 'unrecognized_keys' },
      ],
    ],
  ])('refuses %j naming each argument', async (args, detail) => {
    const body = errorOf(await callTool(tools, true, 'echo', args, ctx)) as {
      error: string;
      reason: string;
      detail: unknown;
    };
    expect(body.error).toBe('VALIDATION_ERROR');
    expect(body.detail).toEqual(detail);
    expect(body.reason).toBe(
      (detail as Array<{ loc: string[]; msg: string }>).map((d) => `${d.loc[1]}: ${d.msg}`).join('; '),
    );
  });

  it('refuses a writing tool to a read-only session before looking at its arguments', async () => {
    const reason = 'write changes the notebook or runs code, which needs a token with write access';
    expect(errorOf(await callTool(tools, false, 'write', { bogus: 1 }, ctx))).toEqual({
      error: 'FORBIDDEN',
      reason,
      detail: reason,
    });
  });

  it("reports d1's errors with their code, and others without internals", async () => {
    expect(errorOf(await callTool(tools, true, 'write', {}, ctx))).toEqual({
      error: 'BAD_REQUEST',
      reason: 'File already exists',
      detail: 'File already exists',
    });
    expect(errorOf(await callTool(tools, true, 'broken', {}, ctx))).toEqual({
      error: 'INTERNAL_ERROR',
      reason: 'The server failed to handle this call',
      detail: null,
    });
    expect(errorOf(await callTool(tools, true, 'nope', {}, ctx))).toMatchObject({ error: 'NOT_FOUND' });
  });
});

describe('describeTool', () => {
  it('gives the arguments as a strict JSON Schema and marks reading tools read-only', () => {
    expect(describeTool(echo)).toEqual({
      name: 'echo',
      title: 'Echo',
      description: 'Echoes',
      inputSchema: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          times: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        },
        required: ['text'],
        additionalProperties: false,
      },
      annotations: { title: 'Echo', readOnlyHint: true, openWorldHint: false },
    });
    expect(describeTool(write).annotations?.readOnlyHint).toBe(false);
  });
});
