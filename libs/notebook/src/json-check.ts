import { NotebookFormatError } from './errors';
import type { JsonObject, JsonValue } from './types';

// Deeper than any real notebook; stops hostile input from overflowing the stack.
const MAX_DEPTH = 200;
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Path of a property below `path`, e.g. `cells[0].metadata` or `data["text/plain"]`. */
export function childPath(path: string, key: string): string {
  if (!IDENTIFIER_RE.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

/** Path of an array element below `path`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Throws a NotebookFormatError for `path`. */
export function fail(path: string, problem: string): never {
  throw new NotebookFormatError(path, problem);
}

/** True for plain objects (not arrays, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, or a NotebookFormatError naming the path. */
export function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) fail(path, 'must be an object');
  return value;
}

/** The value as a string, or a NotebookFormatError naming the path. */
export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
}

/** Reads a required property, failing with `<path>.<key>: is required` when it is absent. */
export function required(obj: Record<string, unknown>, key: string, path: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(obj, key) || obj[key] === undefined) {
    fail(childPath(path, key), 'is required');
  }
  return obj[key];
}

/** Fails on the first property not in `allowed` (nbformat's schema sets additionalProperties: false). */
export function rejectUnknown(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  what: string,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(childPath(path, key), `not allowed in ${what}`);
  }
}

/** nbformat multiline string (string or list of strings), joined into one string. */
export function multiline(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((line) => typeof line === 'string')) return value.join('');
  return fail(path, 'must be a string or a list of strings');
}

/** A list of strings, copied. */
export function stringList(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'must be a list of strings');
  return value.map((item, i) => expectString(item, indexPath(path, i)));
}

/** A non-negative integer or null (nbformat's execution_count). */
export function countOrNull(value: unknown, path: string): number | null {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  return fail(path, 'must be a non-negative integer or null');
}

/** Deep copy of a JSON value; fails on anything JSON cannot hold (undefined, NaN, functions, ...). */
export function jsonValue(value: unknown, path: string, depth = 0): JsonValue {
  if (depth > MAX_DEPTH) fail(path, 'is nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, 'must be a finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => jsonValue(item, indexPath(path, i), depth + 1));
  if (isObject(value)) return jsonObject(value, path, depth);
  return fail(path, 'must be a JSON value');
}

/** Deep copy of a JSON object, failing with the path of the first non-JSON value. */
export function jsonObject(value: unknown, path: string, depth = 0): JsonObject {
  const obj = expectObject(value, path);
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(obj)) {
    if (item === undefined) continue;
    const copied = jsonValue(item, childPath(path, key), depth + 1);
    // A plain assignment to "__proto__" would replace the copy's prototype instead of storing the key.
    Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
