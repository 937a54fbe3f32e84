import type { JsonObject } from '@d1/notebook';
import { parseNotebookText } from './notebook-files';
import type { OpenOptionsQuery } from './notebooks.dto';

/** A notebook body as the app's parsers deliver it: parsed JSON, or text for other content types. */
export function bodyJson(body: unknown): unknown {
  if (typeof body === 'string') return parseNotebookText(body);
  if (body === undefined) return parseNotebookText('');
  return body;
}

/** The open options of a query as NotebooksService registers them. */
export function openOptions(q: OpenOptionsQuery): { kspecName?: string; workingDirectory?: string } {
  return { kspecName: q.kspec_name, workingDirectory: q.working_directory };
}

/** A parsed notebook's metadata, if it has any. */
export function metadataOf(json: unknown): unknown {
  return typeof json === 'object' && json !== null ? (json as { metadata?: unknown }).metadata : undefined;
}

/** `metadata.jupyter_d1` as an object ({} when missing or malformed). */
export function d1Metadata(metadata: unknown): JsonObject {
  const d1 = typeof metadata === 'object' && metadata !== null ? (metadata as JsonObject).jupyter_d1 : null;
  return typeof d1 === 'object' && d1 !== null && !Array.isArray(d1) ? d1 : {};
}
