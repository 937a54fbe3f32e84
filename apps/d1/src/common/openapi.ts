import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponsesObject,
  SchemaObject,
} from '@nestjs/swagger';
import { d1VersionString } from './version';
import { commonErrors, OperationFacts } from './openapi-errors';
import { REST_SCHEMAS } from './openapi-schemas';
import { ref } from './openapi-schema-kit';
import { WS_DESCRIPTION, WS_SCHEMAS } from './openapi-ws-schemas';
import { allDtoSchemas, type ErrorCase } from './openapi.decorators';

/** Where the document is served: the UI at /docs, the JSON at /docs-json (and YAML at /docs-yaml). */
export const DOCS_PATH = 'docs';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

const DESCRIPTION = [
  'Stateful notebook-model server: notebooks live on the server, every client sees the same live state.',
  'Every route needs `Authorization: Bearer <token>` except login, `/hello`, the health probes and these docs; ' +
    '`x-d1-access` on each operation says whether it needs read or write access. Get a token from ' +
    '`GET /login/access-token` with the shared secret.',
  'Errors are JSON `{"error", "reason", "detail"}` (schema `ErrorResponse`); each operation lists the codes it can ' +
    'answer. Any route may also answer 400 for a URL that is not valid or a JSON body that does not parse, 414 ' +
    'for an over-long path segment, 431 for oversized headers and 413 for a body over the limits.',
  'The websocket feeds, WebDAV, the proxy and MCP are described under their tags; the messages of the feeds ' +
    'are the `*Message` schemas.',
].join('\n\n');

/** The tags of d1's routes, and the surfaces d1 serves outside this API (described: they are not REST). */
const TAGS: Array<[string, string]> = [
  ['login', 'The shared secret for a token, narrower tokens, and what a token may do.'],
  ['notebooks', 'Open notebooks: open, create, upload, save under other names, close.'],
  ['cells', 'The cells of an open notebook; every change reaches its websocket clients.'],
  ['execution', "Running cells through the notebook's queue, and the kernel conversations beside it."],
  ['kernels', "The original d1's kernel routes, and kernels that belong to no notebook."],
  ['server', 'Facts about this server, its supervised processes and its metrics.'],
  ['health', 'Unauthenticated probes.'],
  ['websockets', WS_DESCRIPTION],
  [
    'webdav',
    '`/dav/` serves the root dir over WebDAV (RFC 4918: PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK, ' +
      'GET, PUT, DELETE) with HTTP Basic auth: the password (or the username) is a token or the shared secret. ' +
      'Read-only tokens can browse and read. Those methods cannot be written in OpenAPI; use a WebDAV client.',
  ],
  [
    'proxy',
    '`/proxy/<name>/…` forwards HTTP and websockets to the servers d1 supervises (the embedded Jupyter Server ' +
      'as `jupyter`, and those of --proxy-config): GET, HEAD and OPTIONS need read access, other methods and ' +
      'websockets write access (`jupyter`: write for everything). What each server answers is its own API.',
  ],
  [
    'mcp',
    '`/mcp` speaks the Model Context Protocol (Streamable HTTP, JSON-RPC) with the same bearer tokens; ' +
      'read-only tokens get the reading tools only. Use an MCP client: its tools describe themselves.',
  ],
];

/** Builds d1's OpenAPI document from the app's routes and decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('d1')
    .setDescription(DESCRIPTION)
    .setVersion(d1VersionString())
    .setLicense('BSD-3-Clause', 'https://opensource.org/license/bsd-3-clause')
    .addServer('/', 'This d1 server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'The shared secret, without "Bearer"',
      },
      'secret',
    )
    .addSecurityRequirements('bearer');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const doc = SwaggerModule.createDocument(app, builder.build(), { operationIdFactory });
  return completeDocument(doc);
}

/** `NotebooksController.uploadAndOpen` -> `notebooksUploadAndOpen`. */
function operationIdFactory(controller: string, method: string): string {
  const prefix = controller.replace(/Controller$/, '');
  // A handler registered on several paths (`livez` and `healthz`) is named after the path past the first.
  const [name, index] = method.replace(/\]$/, '').split('[');
  const suffix = index && index !== '0' ? `At${index}` : '';
  return (
    prefix.charAt(0).toLowerCase() + prefix.slice(1) + name.charAt(0).toUpperCase() + name.slice(1) + suffix
  );
}

/** Adds what the decorators leave to the document: schemas, security, and the errors of every operation. */
function completeDocument(doc: OpenAPIObject): OpenAPIObject {
  doc.components = doc.components ?? {};
  doc.components.schemas = { ...doc.components.schemas, ...allDtoSchemas(), ...REST_SCHEMAS, ...WS_SCHEMAS };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) completeOperation(path, op, doc.components.schemas);
    }
  }
  pruneUnusedDtos(doc);
  return doc;
}

type D1Operation = OperationObject & {
  'x-d1-access'?: string;
  'x-d1-errors'?: ErrorCase[];
  'x-d1-body-limit'?: string;
};

function completeOperation(
  path: string,
  op: D1Operation,
  schemas: Record<string, SchemaObject | ReferenceObject>,
): void {
  const params = (op.parameters ?? []) as ParameterObject[];
  const uuidParams = params
    .filter((p) => p.in === 'path' && /^(uuid|cell_uuid)$/.test(p.name))
    .map((p) => p.name);
  for (const p of params) describePathParam(p, path);
  const body = op.requestBody && 'content' in op.requestBody ? op.requestBody : undefined;
  // A DTO that requires no field may be sent as no body at all (`{}` is implied).
  const dto = refName(body?.content['application/json']?.schema);
  const dtoSchema = dto ? schemas[dto] : undefined;
  if (body && dtoSchema && !('$ref' in dtoSchema) && !dtoSchema.required?.length) body.required = false;
  const facts: OperationFacts = {
    path,
    access: op['x-d1-access'],
    hasQuery: params.some((p) => p.in === 'query'),
    hasBody: body !== undefined,
    jsonBody: body?.content['application/json'] !== undefined,
    uploadBody: op['x-d1-body-limit'] === 'max-body',
    uuidParams,
  };
  if (op['x-d1-access'] === 'public') op.security = op.security ?? [];
  addErrors(op.responses, [...commonErrors(facts), ...(op['x-d1-errors'] ?? [])]);
  delete op['x-d1-errors'];
  delete op['x-d1-body-limit'];
}

const PATH_PARAMS: Record<string, SchemaObject> = {
  uuid: { type: 'string', format: 'uuid', description: 'The notebook uuid (`metadata.jupyter_d1.uuid`)' },
  cell_uuid: { type: 'string', format: 'uuid', description: 'The cell uuid (its nbformat `id`)' },
  id: { type: 'string', description: 'A kernel id, or the uuid of a notebook (its kernel)' },
};

function describePathParam(p: ParameterObject, path: string): void {
  const known = PATH_PARAMS[p.name];
  if (p.in !== 'path' || !known || (p.name === 'uuid' && !path.startsWith('/notebooks/'))) return;
  const { description, ...schema } = known;
  p.schema = schema;
  p.description = description;
}

function refName(schema: SchemaObject | ReferenceObject | undefined): string | undefined {
  return schema && '$ref' in schema ? schema.$ref.replace('#/components/schemas/', '') : undefined;
}

/** One response per status, the Error schema its body, its description each code and when it happens. */
function addErrors(responses: ResponsesObject, cases: ErrorCase[]): void {
  const byStatus = new Map<number, Map<string, string[]>>();
  for (const c of cases) {
    const codes = byStatus.get(c.status) ?? new Map<string, string[]>();
    byStatus.set(c.status, codes.set(c.code, [...(codes.get(c.code) ?? []), c.when]));
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = [...codes].map(([code, whens]) => `\`${code}\`: ${whens.join('; ')}`).join('\n\n');
    responses[String(status)] = {
      description,
      content: { 'application/json': { schema: ref('ErrorResponse') } },
    };
  }
}

/** Drops DTO schemas nothing refers to (the intermediate classes of mapped types, query DTOs). */
function pruneUnusedDtos(doc: OpenAPIObject): void {
  const schemas = doc.components?.schemas ?? {};
  const keep = new Set([...Object.keys(REST_SCHEMAS), ...Object.keys(WS_SCHEMAS)]);
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') {
        const name = v.replace('#/components/schemas/', '');
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(v);
    }
  };
  visit(doc.paths);
  for (const name of keep) visit(schemas[name]);
  for (const name of Object.keys(schemas)) if (!keep.has(name) && !used.has(name)) delete schemas[name];
}
