import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { d1Version } from '../common/version';
import type { McpNotebooks } from './mcp-notebooks';
import type { McpSession } from './mcp-session';
import {
  NOTEBOOK_TEMPLATE,
  checkSubscribable,
  listNotebookResources,
  readNotebookResource,
  uuidOfUri,
} from './notebook-resources';
import { type ToolContext, type ToolDef, callTool, describeTool } from './tool';

/** What a model reads first about this server. */
const INSTRUCTIONS = [
  'd1 holds Jupyter notebooks that people and agents use together: every edit and run you make here is',
  'seen at once by everyone who has the notebook open, and theirs by you. Start with list_notebooks (open',
  'ones) or list_files and open_notebook; read with read_notebook; change cells with insert_cell,',
  'edit_cell, delete_cell and move_cell; run with run_cell, insert_and_run_cell or run_all_cells, which',
  'wait for the result. Check kernel_status before running code in a notebook someone else is using.',
  'Tools that change a notebook or run code need a token with write access.',
].join(' ');

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The context a tool call runs in: the client's cancellation, and progress when it asked for it. */
function toolContext(extra: Extra): ToolContext {
  const token = extra._meta?.progressToken;
  const started = Date.now();
  let last = -1;
  return {
    signal: extra.signal,
    progress: (message) => {
      if (token === undefined) return;
      // MCP requires each progress value to be larger than the one before.
      last = Math.max(last + 0.001, Math.round((Date.now() - started) / 100) / 10);
      const params = { progressToken: token, progress: last, message };
      void extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined);
    },
  };
}

/** The MCP server of one session: the tools its token may use, and the open notebooks as resources. */
export function buildServer(
  session: McpSession,
  tools: ReadonlyMap<string, ToolDef>,
  mcp: McpNotebooks,
): Server {
  const { major, minor, micro } = d1Version();
  const server = new Server(
    { name: 'd1', title: 'd1 notebooks', version: `${major}.${minor}.${micro}` },
    {
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } },
      instructions: INSTRUCTIONS,
    },
  );
  const visible = [...tools.values()].filter((t) => t.access === 'read' || session.canWrite);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: visible.map(describeTool) }));
  server.setRequestHandler(CallToolRequestSchema, (req, extra) =>
    callTool(tools, session.canWrite, req.params.name, req.params.arguments, toolContext(extra)),
  );
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: listNotebookResources(mcp) }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [NOTEBOOK_TEMPLATE],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (req) => readNotebookResource(mcp, req.params.uri));
  server.setRequestHandler(SubscribeRequestSchema, (req) => {
    session.subscriptions.add(checkSubscribable(mcp, req.params.uri));
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    const uuid = uuidOfUri(req.params.uri);
    if (uuid) session.subscriptions.delete(uuid);
    return {};
  });
  return server;
}
