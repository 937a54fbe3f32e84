import {
  childPath,
  countOrNull,
  expectObject,
  expectString,
  fail,
  jsonObject,
  jsonValue,
  multiline,
  rejectUnknown,
  required,
  stringList,
} from './json-check';
import { OUTPUT_TYPES, type MimeBundle, type Output } from './types';

// nbformat's schema lets JSON mimetypes hold any JSON; every other mimetype is a multiline string.
const JSON_MIME_RE = /^application\/(.*\+)?json$/;

const OUTPUT_KEYS: Record<Output['output_type'], readonly string[]> = {
  stream: ['output_type', 'name', 'text'],
  display_data: ['output_type', 'data', 'metadata'],
  execute_result: ['output_type', 'execution_count', 'data', 'metadata'],
  error: ['output_type', 'ename', 'evalue', 'traceback'],
};

/** Validates a mime bundle and joins multiline text values into single strings (copied). */
export function parseMimeBundle(value: unknown, path: string): MimeBundle {
  const obj = expectObject(value, path);
  const bundle: MimeBundle = {};
  for (const [mime, item] of Object.entries(obj)) {
    const itemPath = childPath(path, mime);
    const parsed = JSON_MIME_RE.test(mime) ? jsonValue(item, itemPath) : multiline(item, itemPath);
    Object.defineProperty(bundle, mime, {
      value: parsed,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return bundle;
}

/** Validates one nbformat 4 output against the v4 schema and returns a normalised copy. */
export function parseOutput(value: unknown, path: string): Output {
  const obj = expectObject(value, path);
  const typePath = childPath(path, 'output_type');
  const type = required(obj, 'output_type', path);
  if (!OUTPUT_TYPES.includes(type as Output['output_type'])) {
    fail(typePath, `must be one of ${OUTPUT_TYPES.join(', ')}`);
  }
  const outputType = type as Output['output_type'];
  rejectUnknown(obj, OUTPUT_KEYS[outputType], path, `a ${outputType} output`);
  const field = (key: string): [unknown, string] => [required(obj, key, path), childPath(path, key)];
  switch (outputType) {
    case 'stream':
      return {
        output_type: 'stream',
        name: expectString(...field('name')),
        text: multiline(...field('text')),
      };
    case 'display_data':
      return {
        output_type: 'display_data',
        data: parseMimeBundle(...field('data')),
        metadata: jsonObject(...field('metadata')),
      };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        execution_count: countOrNull(...field('execution_count')),
        data: parseMimeBundle(...field('data')),
        metadata: jsonObject(...field('metadata')),
      };
    case 'error':
      return {
        output_type: 'error',
        ename: expectString(...field('ename')),
        evalue: expectString(...field('evalue')),
        traceback: stringList(...field('traceback')),
      };
  }
}
