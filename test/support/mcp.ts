import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  type Progress,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { TestD1 } from './d1';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** An MCP client (the SDK's own, over Streamable HTTP) connected to a test d1, recording notifications. */
export interface McpTestClient {
  client: Client;
  /** Resource URIs of every `notifications/resources/updated` received, in order. */
  updated: string[];
  /** How many `notifications/resources/list_changed` arrived. */
  listChanged: number;
  /** Calls a tool; `progress` collects its progress notifications when given. */
  call(name: string, args?: Record<string, unknown>, progress?: Progress[]): Promise<CallToolResult & any>;
  close(): Promise<void>;
}

/** Connects the SDK's client to d1's /mcp with a bearer token. */
export async function connectMcp(d1: TestD1, token: string): Promise<McpTestClient> {
  const transport = new StreamableHTTPClientTransport(new URL(`${d1.baseUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'd1-e2e', version: '1.0.0' });
  await client.connect(transport);
  const recorder: McpTestClient = {
    client,
    updated: [],
    listChanged: 0,
    call: async (name, args = {}, progress) => {
      const onprogress = progress ? (p: Progress) => void progress.push(p) : undefined;
      return client.callTool({ name, arguments: args }, CallToolResultSchema, {
        onprogress,
        timeout: 120_000,
      }) as Promise<CallToolResult & any>;
    },
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
  client.setNotificationHandler(
    ResourceUpdatedNotificationSchema,
    (n) => void recorder.updated.push(n.params.uri),
  );
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void recorder.listChanged++);
  return recorder;
}

/** The d1 error a tool error carries (`{error, reason, detail}` as its text). */
export function toolErrorBody(result: CallToolResult): any {
  expect(result.isError).toBe(true);
  expect(result.content).toHaveLength(1);
  return JSON.parse((result.content[0] as { text: string }).text);
}

/** The text blocks of a tool result, joined. */
export function textOf(result: CallToolResult): string {
  return result.content
    .filter((b): b is { type: 'text'; text: string } => b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}

/** POSTs raw bytes to /mcp (a hostile client, not an MCP one). */
export async function rawMcp(
  d1: TestD1,
  opts: { method?: string; body?: string; headers?: Record<string, string>; token?: string | null },
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    ...(opts.headers ?? {}),
  };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? (await d1.token())}`;
  const res = await fetch(`${d1.baseUrl}/mcp`, { method: opts.method ?? 'POST', headers, body: opts.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
