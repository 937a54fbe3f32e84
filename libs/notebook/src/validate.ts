import {
  childPath,
  countOrNull,
  expectObject,
  expectString,
  fail,
  indexPath,
  isObject,
  jsonObject,
  multiline,
  rejectUnknown,
  required,
  stringList,
} from './json-check';
import { parseMimeBundle, parseOutput } from './validate-output';
import { CELL_TYPES, type CellType, type JsonObject, type ParsedCell, type ParsedNotebook } from './types';

const NOTEBOOK_KEYS = ['cells', 'metadata', 'nbformat', 'nbformat_minor'];
const MAX_MINOR = 5;
const CELL_KEYS: Record<CellType, readonly string[]> = {
  code: ['id', 'cell_type', 'metadata', 'source', 'outputs', 'execution_count'],
  markdown: ['id', 'cell_type', 'metadata', 'source', 'attachments'],
  raw: ['id', 'cell_type', 'metadata', 'source', 'attachments'],
};
const CELL_ID_RE = /^[a-zA-Z0-9-_]{1,64}$/;

/**
 * Validates a notebook against nbformat 4 (minor 0-5) and returns a normalised deep copy: multiline
 * strings joined, code cells completed with `outputs: []` / `execution_count: null` when absent.
 * Throws NotebookFormatError whose message starts with the JSON path at fault.
 */
export function parseNotebook(json: unknown): ParsedNotebook {
  if (!isObject(json)) fail('notebook', 'must be an object');
  const nbformat = required(json, 'nbformat', '');
  if (nbformat !== 4) fail('nbformat', 'must be 4');
  const minor = required(json, 'nbformat_minor', '');
  if (typeof minor !== 'number' || !Number.isInteger(minor) || minor < 0 || minor > MAX_MINOR) {
    fail('nbformat_minor', `must be an integer from 0 to ${MAX_MINOR}`);
  }
  const metadata = parseNotebookMetadata(required(json, 'metadata', ''));
  const rawCells = required(json, 'cells', '');
  if (!Array.isArray(rawCells)) fail('cells', 'must be a list');
  const cells = rawCells.map((cell, i) => parseCell(cell, indexPath('cells', i)));
  rejectUnknown(json, NOTEBOOK_KEYS, '', 'a notebook');
  return { cells, metadata, nbformat: 4, nbformat_minor: minor };
}

function parseNotebookMetadata(value: unknown): JsonObject {
  const metadata = jsonObject(value, 'metadata');
  // Only the keys nbformat defines are checked; anything else is the user's business.
  if (metadata.kernelspec !== undefined) {
    const spec = expectObject(metadata.kernelspec, 'metadata.kernelspec');
    expectString(required(spec, 'name', 'metadata.kernelspec'), 'metadata.kernelspec.name');
    expectString(required(spec, 'display_name', 'metadata.kernelspec'), 'metadata.kernelspec.display_name');
  }
  if (metadata.language_info !== undefined) {
    const info = expectObject(metadata.language_info, 'metadata.language_info');
    expectString(required(info, 'name', 'metadata.language_info'), 'metadata.language_info.name');
  }
  if (metadata.title !== undefined) expectString(metadata.title, 'metadata.title');
  if (metadata.authors !== undefined && !Array.isArray(metadata.authors)) {
    fail('metadata.authors', 'must be a list');
  }
  return metadata;
}

/** Validates one nbformat 4 cell and returns a normalised copy (see parseNotebook). */
export function parseCell(value: unknown, path: string): ParsedCell {
  const obj = expectObject(value, path);
  const cellType = required(obj, 'cell_type', path);
  if (!CELL_TYPES.includes(cellType as CellType)) {
    fail(childPath(path, 'cell_type'), `must be one of ${CELL_TYPES.join(', ')}`);
  }
  const type = cellType as CellType;
  rejectUnknown(obj, CELL_KEYS[type], path, `a ${type} cell`);
  const id = obj.id === undefined ? undefined : parseCellId(obj.id, childPath(path, 'id'));
  const metadata = parseCellMetadata(required(obj, 'metadata', path), childPath(path, 'metadata'));
  const source = multiline(required(obj, 'source', path), childPath(path, 'source'));
  const base = id === undefined ? { metadata, source } : { id, metadata, source };
  if (type === 'code') {
    // nbformat requires both, but d1 resets them on open anyway, so hand-written notebooks may omit them.
    const outputs = obj.outputs === undefined ? [] : parseOutputs(obj.outputs, childPath(path, 'outputs'));
    const count =
      obj.execution_count === undefined
        ? null
        : countOrNull(obj.execution_count, childPath(path, 'execution_count'));
    return { ...base, cell_type: 'code', outputs, execution_count: count };
  }
  if (obj.attachments === undefined) return { ...base, cell_type: type };
  return {
    ...base,
    cell_type: type,
    attachments: parseAttachments(obj.attachments, childPath(path, 'attachments')),
  };
}

function parseCellId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !CELL_ID_RE.test(value)) {
    fail(path, 'must be 1 to 64 letters, digits, "-" or "_"');
  }
  return value;
}

function parseCellMetadata(value: unknown, path: string): JsonObject {
  const metadata = jsonObject(value, path);
  if (metadata.tags !== undefined) stringList(metadata.tags, childPath(path, 'tags'));
  if (metadata.name !== undefined) expectString(metadata.name, childPath(path, 'name'));
  if (metadata.jupyter !== undefined) expectObject(metadata.jupyter, childPath(path, 'jupyter'));
  if (metadata.collapsed !== undefined && typeof metadata.collapsed !== 'boolean') {
    fail(childPath(path, 'collapsed'), 'must be true or false');
  }
  const scrolled = metadata.scrolled;
  if (scrolled !== undefined && typeof scrolled !== 'boolean' && scrolled !== 'auto') {
    fail(childPath(path, 'scrolled'), 'must be true, false or "auto"');
  }
  return metadata;
}

function parseOutputs(value: unknown, path: string) {
  if (!Array.isArray(value)) fail(path, 'must be a list');
  return value.map((output, i) => parseOutput(output, indexPath(path, i)));
}

function parseAttachments(value: unknown, path: string): JsonObject {
  const obj = expectObject(value, path);
  const attachments: JsonObject = {};
  for (const [name, bundle] of Object.entries(obj)) {
    const parsed = parseMimeBundle(bundle, childPath(path, name));
    Object.defineProperty(attachments, name, {
      value: parsed,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return attachments;
}
