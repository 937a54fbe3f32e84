import { NotebookFormatError } from './errors';
import { isObject, jsonObject } from './json-check';
import { parseMimeBundle } from './validate-output';
import type { JsonObject, JupyterMessage, MimeBundle, Output } from './types';

/** What an iopub message asks of a cell's outputs. */
export type OutputEvent =
  | { kind: 'stream'; name: string; text: string }
  | { kind: 'output'; output: Output; displayId?: string }
  | { kind: 'clear'; wait: boolean }
  | { kind: 'update'; displayId: string; data: MimeBundle; metadata: JsonObject };

/**
 * Reads an iopub message into an OutputEvent. Messages that carry no output (status, execute_input, ...)
 * and malformed ones give null: a kernel's mistake must not take the notebook down.
 */
export function outputEventFromMessage(msg: JupyterMessage): OutputEvent | null {
  const type = isObject(msg) && isObject(msg.header) ? msg.header.msg_type : undefined;
  const content = isObject(msg) ? msg.content : undefined;
  if (typeof type !== 'string' || !isObject(content)) return null;
  try {
    return readContent(type, content);
  } catch (error) {
    if (error instanceof NotebookFormatError) return null;
    throw error;
  }
}

function readContent(type: string, content: Record<string, unknown>): OutputEvent | null {
  switch (type) {
    case 'stream':
      if (typeof content.name !== 'string' || typeof content.text !== 'string') return null;
      return { kind: 'stream', name: content.name, text: content.text };
    case 'clear_output':
      return { kind: 'clear', wait: content.wait === true };
    case 'display_data':
    case 'update_display_data':
    case 'execute_result':
      return richOutput(type, content);
    case 'error':
      return errorOutput(content);
    default:
      return null;
  }
}

function richOutput(type: string, content: Record<string, unknown>): OutputEvent | null {
  const data = parseMimeBundle(content.data, 'content.data');
  const metadata = content.metadata === undefined ? {} : jsonObject(content.metadata, 'content.metadata');
  const transient = isObject(content.transient) ? content.transient : {};
  const displayId = typeof transient.display_id === 'string' ? transient.display_id : undefined;
  if (type === 'update_display_data') {
    return displayId === undefined ? null : { kind: 'update', displayId, data, metadata };
  }
  const output: Output =
    type === 'execute_result'
      ? { output_type: 'execute_result', execution_count: executionCount(content), data, metadata }
      : { output_type: 'display_data', data, metadata };
  return displayId === undefined ? { kind: 'output', output } : { kind: 'output', output, displayId };
}

function executionCount(content: Record<string, unknown>): number | null {
  const count = content.execution_count;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : null;
}

function errorOutput(content: Record<string, unknown>): OutputEvent | null {
  const { ename, evalue, traceback } = content;
  if (typeof ename !== 'string' || typeof evalue !== 'string' || !Array.isArray(traceback)) return null;
  if (!traceback.every((line) => typeof line === 'string')) return null;
  return { kind: 'output', output: { output_type: 'error', ename, evalue, traceback: [...traceback] } };
}
