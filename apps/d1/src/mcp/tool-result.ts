import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ZodError } from 'zod';
import { D1Error } from '../common/errors';
import { errorBody, toD1Error } from '../common/error-json';
import { type Block, mergeText } from './render';

/** A tool's answer: blocks for the model, and optionally the same facts as JSON for programs. */
export function toolResult(blocks: Block[], structured?: Record<string, unknown>): CallToolResult {
  const result: CallToolResult = { content: mergeText(blocks) };
  if (structured) result.structuredContent = structured;
  return result;
}

/** A one-text answer. */
export function textResult(text: string, structured?: Record<string, unknown>): CallToolResult {
  return toolResult([{ type: 'text', text }], structured);
}

/**
 * A failed call as an MCP tool error: d1's error JSON (`{error, reason, detail}`) as its text, so a model
 * reads the reason and a program the code. Anything that is not a D1Error is reported without internals.
 */
export function toolError(err: unknown): CallToolResult {
  const d1 =
    toD1Error(err) ?? new D1Error(500, 'INTERNAL_ERROR', 'The server failed to handle this call', null);
  const body = errorBody(d1);
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify(body) }],
    structuredContent: { ...body },
  };
}

/** The arguments that failed validation, as d1's 422: which argument, and why. */
export function invalidArguments(error: ZodError): D1Error {
  const detail = error.issues.flatMap((issue) => {
    const loc = ['arguments', ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        loc: [...loc, key],
        msg: 'is not a known argument',
        type: issue.code,
      }));
    }
    const missing = issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
    return [{ loc, msg: missing ? 'is required' : issue.message, type: missing ? 'missing' : issue.code }];
  });
  const reason = detail.map((d) => `${d.loc.slice(1).join('.')}: ${d.msg}`).join('; ');
  return new D1Error(422, 'VALIDATION_ERROR', reason || 'Invalid arguments', detail);
}
