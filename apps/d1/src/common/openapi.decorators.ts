import type { Type } from '@nestjs/common';
import {
  ApiBody,
  ApiExtension,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  DECORATORS,
  type SchemaObject,
} from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { ValidationTypes } from 'class-validator';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { ref } from './openapi-schema-kit';

/**
 * How class-validator constraints read as OpenAPI 3.0 schema keywords. `IsDefined` reads as "anything but
 * null" in JSON Schema (`type: 'null'`), which OpenAPI 3.0 cannot say: it adds nothing here.
 */
const SCHEMA_OPTIONS: Parameters<typeof validationMetadatasToSchemas>[0] = {
  classTransformerMetadataStorage: defaultMetadataStorage,
  refPointerPrefix: '#/components/schemas/',
  additionalConverters: {
    [ValidationTypes.IS_DEFINED]: {},
    isNotebookFileName: {
      type: 'string',
      pattern: '^(?!\\s*$)[^./\\u0000][^/\\u0000]*$',
      description: "A file name: not blank, no '/', not starting with '.'; `.ipynb` is added when missing",
    },
  },
};

/** What the query and body fields of d1's DTOs mean; the DTOs say their types and constraints. */
const FIELD_DESCRIPTIONS: Record<string, string> = {
  filename: "The notebook's file name; `.ipynb` is added when missing",
  directory: 'Directory for the file, relative to the root dir (default: the root dir)',
  filepath: 'Path of a notebook file, relative to the root dir',
  kspec_name: "Kernel spec to use (default: the notebook's own, then the server default)",
  working_directory: "Directory the kernel starts in (default: the notebook's directory)",
  autosave: 'Save the notebook to its file after every change (false: keep it in memory only)',
  overwrite: 'Replace an existing file',
  just_metadata: 'Only rename in memory: no file is written or deleted',
  before: 'Cell uuid to put the cell before (default: at the end)',
  above: 'Merge with the cell above instead of the one below',
  split_location: 'Character offset in the source where the cell is split',
  above_position: 'Run only the code cells above this position (0: no limit)',
  below_position: 'Run only the code cells below this position (0: no limit)',
  page: 'Page of rows, from 0',
  page_size: 'Rows per page; -1 for the default (50), 0 for all',
  cursor_position: 'Cursor offset in code (default: its end)',
  expires_in: 'Lifetime in seconds; never longer than the minting token has left',
  read_access: 'The minted token may read (default true)',
  write_access: 'The minted token may change state and run code (default false)',
  cell_type: 'code, markdown or raw',
  source: "The cell's source",
  code: 'Code for the kernel',
  value: 'The answer to the pending input()',
  name: 'Kernel spec (default: the server default)',
  sort_by: 'Columns (names or indices) to sort the rows by',
  ascending: 'Per sort column: ascending or not',
  filters: 'Row filters: a column and a text search and/or a numeric range',
};

/** The JSON schema of a class-validator DTO: its constraints as schema keywords. */
export function dtoSchema(dto: Type<object>): SchemaObject {
  return targetConstructorToSchema(dto, SCHEMA_OPTIONS) as SchemaObject;
}

/** The schemas of every class-validator DTO, by class name, for the document's components. */
export function allDtoSchemas(): Record<string, SchemaObject> {
  const schemas = validationMetadatasToSchemas(SCHEMA_OPTIONS) as Record<string, SchemaObject>;
  for (const schema of Object.values(schemas)) describeFields(schema);
  return schemas;
}

function describeFields(schema: SchemaObject): SchemaObject {
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const description = FIELD_DESCRIPTIONS[name];
    if (description && !('$ref' in prop) && !prop.description) prop.description = description;
  }
  return schema;
}

type Decorated = { target: object; key: string | symbol; descriptor: PropertyDescriptor };

function decorated(target: object, key: string | symbol | undefined): Decorated {
  const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
  if (key === undefined || !descriptor) throw new Error('d1 parameter decorators belong on route handlers');
  return { target, key, descriptor };
}

/** Documents every field of a query DTO as a query parameter of the handler (for @D1Query). */
export function documentQuery(dto: Type<object>, target: object, key: string | symbol | undefined): void {
  const at = decorated(target, key);
  const schema = describeFields(dtoSchema(dto));
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const required = schema.required?.includes(name) ?? false;
    ApiQuery({ name, required, schema: prop })(at.target, at.key, at.descriptor);
  }
}

/** Documents a query DTO that the global ValidationPipe validates (`@Query() q: Dto`). */
export const QueryDoc =
  (dto: Type<object>): MethodDecorator =>
  (target, key, descriptor) => {
    documentQuery(dto, target, key);
    return descriptor;
  };

/** Documents the JSON body of the handler as a DTO (for @D1Body); optional when the DTO requires nothing. */
export function documentBody(dto: Type<object>, target: object, key: string | symbol | undefined): void {
  const at = decorated(target, key);
  const required = (dtoSchema(dto).required?.length ?? 0) > 0;
  ApiBody({ required, schema: ref(dto.name) })(at.target, at.key, at.descriptor);
}

/** Documents a whole notebook as the body (uploads), bounded by --max-body rather than --max-json-body. */
export function documentUpload(handler: object): void {
  const descriptor = { value: handler };
  ApiBody({
    required: true,
    description: 'The notebook file (any content type; parsed as nbformat 4 JSON). At most --max-body bytes.',
    schema: ref('NotebookUpload'),
  })({}, 'upload', descriptor);
  ApiExtension('x-d1-body-limit', 'max-body')({}, 'upload', descriptor);
}

/** Records the access a handler needs; the document turns it into security and 401/403 answers. */
export function documentAccess(handler: object, access: string): void {
  ApiExtension('x-d1-access', access)({}, 'handler', { value: handler });
}

/** GET-style d1 actions also answer POST: both operations say so. */
export function documentGetOrPost(get: object, post: object): void {
  const operation = (Reflect.getMetadata(DECORATORS.API_OPERATION, get) ?? {}) as Record<string, unknown>;
  const summary = operation.summary as string | undefined;
  Reflect.defineMetadata(
    DECORATORS.API_OPERATION,
    {
      ...operation,
      description: 'The GET of the original d1; it also answers POST, which new clients should use.',
    },
    get,
  );
  Reflect.defineMetadata(
    DECORATORS.API_OPERATION,
    {
      ...operation,
      ...(summary ? { summary } : {}),
      description: 'The same action as GET, for new clients.',
    },
    post,
  );
}

/** A success answer of a route. */
export interface Success {
  status: number;
  description: string;
  schema?: string;
  contentType?: string;
}

/** An error a route can answer beyond the ones every route of its kind has (auth, validation, unknown ids). */
export interface ErrorCase {
  status: number;
  code: string;
  when: string;
}

/** `status` with a JSON body described by the component `schema`. */
export const json = (schema: string, status = 200, description = 'OK'): Success => ({
  status,
  description,
  schema,
});
/** No body. */
export const empty = (status = 204, description = 'Done; no body'): Success => ({ status, description });
/** A stream of JSON lines, each described by `schema`. */
export const ndjson = (schema: string, description: string): Success => ({
  status: 200,
  description,
  schema,
  contentType: 'application/x-ndjson',
});

/**
 * Documents a route: a one-line summary, its success answer, and the errors it can give beyond those the
 * document adds to every route of its kind (401/403 from its access, 422 for its parameters and body, 404 for
 * an unknown notebook or cell, 400/413 for bodies).
 */
export function Doc(summary: string, success: Success, ...errors: ErrorCase[]): MethodDecorator {
  return (target, key, descriptor) => {
    ApiOperation({ summary })(target, key, descriptor);
    const content = success.schema
      ? { [success.contentType ?? 'application/json']: { schema: ref(success.schema) } }
      : undefined;
    ApiResponse({
      status: success.status,
      description: success.description,
      ...(content ? { content } : {}),
    })(target, key, descriptor);
    if (errors.length) ApiExtension('x-d1-errors', errors)(target, key, descriptor);
    return descriptor;
  };
}
