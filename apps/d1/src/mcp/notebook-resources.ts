import { isUuid } from '@d1/notebook';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ReadResourceResult, Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import type { OpenNotebook } from '../notebooks/open-notebook';
import { summarize, summaryLine } from './describe';
import type { McpNotebooks } from './mcp-notebooks';
import { renderNotebook } from './tools/read.tools';

/** MCP's code for a resource that does not exist (spec: resources, error handling). */
export const RESOURCE_NOT_FOUND = -32002;

const PREFIX = 'd1://notebooks/';

/** The resource URI of an open notebook. */
export function notebookUri(uuid: string): string {
  return `${PREFIX}${uuid}`;
}

/** The notebook uuid a resource URI names, or null when it names none. */
export function uuidOfUri(uri: string): string | null {
  if (!uri.startsWith(PREFIX)) return null;
  const uuid = uri.slice(PREFIX.length);
  return isUuid(uuid) ? uuid.toLowerCase() : null;
}

/** The template clients can fill in: every open notebook is `d1://notebooks/{uuid}`. */
export const NOTEBOOK_TEMPLATE: ResourceTemplate = {
  uriTemplate: `${PREFIX}{uuid}`,
  name: 'notebook',
  title: 'Open notebook',
  description:
    'An open notebook as text: cells with their sources and outputs. Subscribe to hear of changes.',
  mimeType: 'text/markdown',
};

function resourceOf(mcp: McpNotebooks, nb: OpenNotebook): Resource {
  const summary = summarize(mcp, nb);
  return {
    uri: notebookUri(nb.uuid),
    name: summary.path ?? summary.name,
    title: summary.name,
    description: `Open notebook ${summaryLine(summary)}`,
    mimeType: 'text/markdown',
  };
}

/** resources/list: every open notebook. */
export function listNotebookResources(mcp: McpNotebooks): Resource[] {
  return mcp.notebooks.all().map((nb) => resourceOf(mcp, nb));
}

/** The open notebook a URI names; MCP's resource-not-found error otherwise. */
export function notebookOfUri(mcp: McpNotebooks, uri: string): OpenNotebook {
  const uuid = uuidOfUri(uri);
  const nb = uuid ? mcp.notebooks.find(uuid) : undefined;
  if (!nb)
    throw new McpError(RESOURCE_NOT_FOUND, `No open notebook at ${uri}; resources/list shows the open ones`, {
      uri,
    });
  return nb;
}

/** resources/read: the notebook rendered as read_notebook renders it, images noted in the text. */
export function readNotebookResource(mcp: McpNotebooks, uri: string): ReadResourceResult {
  const nb = notebookOfUri(mcp, uri);
  const { blocks } = renderNotebook(mcp, nb);
  const text = blocks
    .map((b) => (b.type === 'text' ? b.text : `[${b.mimeType} image: read_notebook returns it as an image]`))
    .join('\n');
  return { contents: [{ uri, mimeType: 'text/markdown', text }] };
}

/** Whether a URI can be subscribed to (names an open notebook); throws the MCP error otherwise. */
export function checkSubscribable(mcp: McpNotebooks, uri: string): string {
  return notebookOfUri(mcp, uri).uuid;
}
