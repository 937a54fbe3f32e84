import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';

/** A schema or a reference to a component, as OpenAPI 3.0 writes them. */
export type Schema = SchemaObject | ReferenceObject;

/** A reference to `#/components/schemas/<name>`. */
export const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

/**
 * An object of exactly these properties: every one required unless listed in `optional`, nothing else allowed
 * (d1's own shapes are closed, so the tests notice a field the document does not know).
 */
export function closed(
  properties: Record<string, Schema>,
  optional: string[] = [],
  extra: SchemaObject = {},
): SchemaObject {
  const required = Object.keys(properties).filter((p) => !optional.includes(p));
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

/** An object with these documented properties that may carry others (nbformat and kernel JSON). */
export function open(
  properties: Record<string, Schema> = {},
  required: string[] = [],
  extra: SchemaObject = {},
) {
  const schema: SchemaObject = { type: 'object', properties, additionalProperties: true, ...extra };
  if (required.length) schema.required = required;
  return schema;
}

/** `{ <key>: <schema> }`: d1's single-key response wrappers. */
export const wrap = (key: string, schema: Schema, description?: string): SchemaObject =>
  closed({ [key]: schema }, [], description ? { description } : {});

export const str = (description?: string, extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  ...(description ? { description } : {}),
  ...extra,
});
export const int = (description?: string, extra: SchemaObject = {}): SchemaObject => ({
  type: 'integer',
  ...(description ? { description } : {}),
  ...extra,
});
export const num = (description?: string): SchemaObject => ({
  type: 'number',
  ...(description ? { description } : {}),
});
export const bool = (description?: string): SchemaObject => ({
  type: 'boolean',
  ...(description ? { description } : {}),
});
export const uuid = (description?: string): SchemaObject => str(description, { format: 'uuid' });
export const oneOf = (values: string[], description?: string): SchemaObject =>
  str(description, { enum: values });
export const array = (items: Schema, description?: string): SchemaObject => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});
/** The same schema, or null. */
export const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
/** Any JSON value. */
export const anyJson = (description?: string): SchemaObject => (description ? { description } : {});
