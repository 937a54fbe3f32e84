import type { CellJson, JsonValue, MimeBundle, Output } from '@d1/notebook';
import type { ImageContent, TextContent } from '@modelcontextprotocol/sdk/types.js';
import { convert } from 'html-to-text';
import { stripVTControlCharacters } from 'node:util';

/** What a tool hands back to an agent: text, and images as MCP image content. */
export type Block = TextContent | ImageContent;

/** How much of each text output an agent gets by default; the middle of a longer one is left out. */
export const DEFAULT_MAX_OUTPUT_CHARS = 20_000;

/** Image types MCP clients show to models; others (SVG, TIFF) are described in text instead. */
const RASTER = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** IPython's repr of objects that only make sense as HTML or an image: `<IPython.core.display.HTML object>`. */
const OPAQUE_REPR = /^<[\w.]+ object(?: at 0x[0-9a-f]+)?>$|^<Figure size [^>]*>$/;

const HTML_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
  ],
};

/** Text as an agent should read it: terminal colour codes out, the middle of an over-long text cut. */
export function cleanText(text: string, maxChars = DEFAULT_MAX_OUTPUT_CHARS): string {
  const plain = stripVTControlCharacters(text);
  if (plain.length <= maxChars) return plain;
  const half = Math.floor(maxChars / 2);
  const omitted = plain.length - 2 * half;
  return `${plain.slice(0, half)}\n[… ${omitted} characters left out here; ask for more with max_output_chars …]\n${plain.slice(-half)}`;
}

/** HTML reduced to the text a reader sees (tables kept as columns, scripts and styles dropped). */
export function htmlToText(html: string): string {
  return convert(html, HTML_OPTIONS).trim();
}

function asText(value: JsonValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  return JSON.stringify(value, null, 2);
}

/** One rich output (execute_result, display_data): an image, or the most readable text it carries. */
function richOutput(data: MimeBundle, maxChars: number): Block {
  const image = RASTER.find((mime) => typeof data[mime] === 'string');
  if (image) return { type: 'image', mimeType: image, data: (data[image] as string).replace(/\s+/g, '') };
  const plain = asText(data['text/plain']);
  const html = asText(data['text/html']);
  const markdown = asText(data['text/markdown']);
  const latex = asText(data['text/latex']);
  const json = data['application/json'];
  const opaque = plain === null || OPAQUE_REPR.test(plain.trim());
  let text: string | null = markdown ?? (opaque ? (html !== null ? htmlToText(html) : null) : plain);
  text ??= latex ?? (json !== undefined ? JSON.stringify(json, null, 2) : null) ?? plain;
  if (text === null) {
    const kinds = Object.keys(data).join(', ') || 'nothing';
    text = `[an output of type ${kinds}, which has no text form]`;
  }
  return { type: 'text', text: cleanText(text, maxChars) };
}

/** A cell's outputs as blocks: texts in order (stderr and errors labelled), images on their own. */
export function renderOutputs(outputs: readonly Output[], maxChars = DEFAULT_MAX_OUTPUT_CHARS): Block[] {
  const blocks: Block[] = [];
  const pushText = (text: string): void => {
    const last = blocks[blocks.length - 1];
    if (last?.type === 'text')
      last.text += text.startsWith('\n') || last.text.endsWith('\n') ? text : `\n${text}`;
    else blocks.push({ type: 'text', text });
  };
  for (const o of outputs) {
    if (o.output_type === 'stream') {
      const text = cleanText(o.text, maxChars);
      pushText(o.name === 'stderr' ? `[stderr]\n${text}` : text);
    } else if (o.output_type === 'error') {
      const traceback = o.traceback.length ? o.traceback.join('\n') : `${o.ename}: ${o.evalue}`;
      pushText(`[error] ${o.ename}: ${o.evalue}\n${cleanText(traceback, maxChars)}`);
    } else {
      const block = richOutput(o.data, maxChars);
      if (block.type === 'text') pushText(block.text);
      else blocks.push(block);
    }
  }
  return blocks;
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The one-line description of a cell that heads its rendering. */
export function cellHeading(cell: CellJson, index: number): string {
  const parts = [`Cell ${index}`, cell.cell_type, `id ${cell.id}`];
  if (cell.cell_type === 'code') {
    parts.push(`execution_count ${cell.execution_count ?? 'none'}`);
    parts.push(cell.metadata.jupyter_d1?.execution_state ?? 'idle');
  }
  return `### ${parts.join(' · ')}`;
}

/** Options of renderCell. */
export interface RenderOptions {
  /** The notebook's language, for the code fence. */
  language?: string;
  outputs?: boolean;
  maxChars?: number;
}

/** A cell for an agent: heading, fenced source, then its outputs (images as image blocks). */
export function renderCell(cell: CellJson, index: number, opts: RenderOptions = {}): Block[] {
  const f = fence(cell.source);
  const lang =
    cell.cell_type === 'code' ? (opts.language ?? '') : cell.cell_type === 'markdown' ? 'markdown' : '';
  const head = `${cellHeading(cell, index)}\n${f}${lang}\n${cell.source}${cell.source.endsWith('\n') ? '' : '\n'}${f}`;
  const blocks: Block[] = [{ type: 'text', text: head }];
  if (cell.cell_type !== 'code' || opts.outputs === false) return blocks;
  const outputs = renderOutputs(cell.outputs, opts.maxChars);
  if (outputs.length === 0) return blocks;
  blocks.push({ type: 'text', text: 'Output:' });
  return [...blocks, ...outputs];
}

/** Joins adjacent text blocks, so a client sees one text between images rather than many fragments. */
export function mergeText(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    const last = out[out.length - 1];
    if (b.type === 'text' && last?.type === 'text')
      out[out.length - 1] = { type: 'text', text: `${last.text}\n${b.text}` };
    else out.push(b.type === 'text' ? { ...b } : b);
  }
  return out;
}
