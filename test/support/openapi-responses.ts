import type { Middleware } from 'openapi-fetch';
import type { OpenApiDoc } from './openapi';
import { explain, schemaValidator } from './schema-check';

/** One response a typed client received, as checked against the document. */
export interface CheckedResponse {
  /** `GET /notebooks/{uuid}`: the operation as the document names it. */
  operation: string;
  status: number;
  /** Why it does not match the document, or null. */
  problem: string | null;
}

/**
 * An openapi-fetch middleware that checks every response against the document: its status must be one the
 * operation declares, and its body must match the schema declared for that status and media type (each line
 * for NDJSON, nothing for a response without content). Results go to `log`.
 */
export function responseChecker(doc: OpenApiDoc, log: CheckedResponse[]): Middleware {
  const validator = schemaValidator(doc.components);
  return {
    async onResponse({ request, response, schemaPath }) {
      const operation = `${request.method} ${schemaPath}`;
      const text = await response.clone().text();
      const problem = check(doc, validator, request.method, schemaPath, response, text);
      log.push({ operation, status: response.status, problem });
      return undefined;
    },
  };
}

function check(
  doc: OpenApiDoc,
  validator: ReturnType<typeof schemaValidator>,
  method: string,
  path: string,
  response: Response,
  text: string,
): string | null {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) return 'the document has no such operation';
  const declared = op.responses[String(response.status)];
  if (!declared) return `${response.status} is not documented (only ${Object.keys(op.responses).join(', ')})`;
  if (!declared.content)
    return text === '' ? null : `a body came but none is documented: ${text.slice(0, 200)}`;
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  const media = declared.content[type];
  if (!media)
    return `content type ${type} is not documented (only ${Object.keys(declared.content).join(', ')})`;
  if (type === 'text/plain') return media.schema?.type === 'string' ? null : 'text without a string schema';
  const ref: string | undefined = media.schema?.$ref;
  if (!ref) return 'the documented schema is not a component';
  const validate = validator(ref.replace('#/components/schemas/', ''));
  const values = type === 'application/x-ndjson' ? text.split('\n').filter(Boolean) : [text];
  for (const value of values) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return `not JSON: ${value.slice(0, 200)}`;
    }
    const problem = explain(validate, parsed);
    if (problem) return `${problem} in ${value.slice(0, 300)}`;
  }
  return null;
}
