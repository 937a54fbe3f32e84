import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { forbidden, notFound } from '../common/errors';
import { toD1Error } from '../common/error-json';
import { invalidArguments, toolError } from './tool-result';

const logger = new Logger('MCP');

/** What a running tool can do besides computing its result. */
export interface ToolContext {
  /** Aborted when the client cancels the call (the work it started goes on; only the wait stops). */
  signal: AbortSignal;
  /**
   * Sends an MCP progress notification when the client asked for them (a no-op otherwise); its progress
   * value is the seconds since the call started, so it only ever grows.
   */
  progress(message: string): void;
}

/** One tool: its name, the access it needs, what a model reads about it, its arguments, and the work. */
export interface ToolDef<S extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  access: 'read' | 'write';
  description: string;
  schema: S;
  annotations?: Omit<ToolAnnotations, 'title' | 'readOnlyHint'>;
  run(args: z.output<S>, ctx: ToolContext): Promise<CallToolResult> | CallToolResult;
}

/** Declares a tool, keeping its argument type for `run`. */
export function tool<S extends z.ZodType>(def: ToolDef<S>): ToolDef {
  return def as unknown as ToolDef;
}

/** The tools/list entry of a tool: JSON Schema of its arguments (draft 7, as MCP clients expect). */
export function describeTool(def: ToolDef): Tool {
  const inputSchema = z.toJSONSchema(def.schema, { target: 'draft-7', io: 'input' }) as Tool['inputSchema'];
  delete (inputSchema as Record<string, unknown>).$schema;
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    inputSchema,
    annotations: {
      title: def.title,
      readOnlyHint: def.access === 'read',
      openWorldHint: false,
      ...def.annotations,
    },
  };
}

/**
 * Runs a tools/call: unknown tools, tools the token may not use, and bad arguments are refused as tool
 * errors in d1's words (never as protocol failures a model would not see); so is anything the tool throws.
 */
export async function callTool(
  tools: ReadonlyMap<string, ToolDef>,
  canWrite: boolean,
  name: string,
  args: unknown,
  ctx: ToolContext,
): Promise<CallToolResult> {
  const def = tools.get(name);
  if (!def)
    return toolError(notFound(`No tool named "${name}"; tools/list shows the tools this token may use`));
  if (def.access === 'write' && !canWrite) {
    return toolError(
      forbidden(`${name} changes the notebook or runs code, which needs a token with write access`),
    );
  }
  const parsed = def.schema.safeParse(args ?? {});
  if (!parsed.success) return toolError(invalidArguments(parsed.error));
  try {
    return await def.run(parsed.data, ctx);
  } catch (err) {
    if (!toD1Error(err)) logger.error(`${name} failed: ${(err as Error)?.stack ?? String(err)}`);
    return toolError(err);
  }
}
