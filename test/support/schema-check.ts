import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Ajv over the document's components: `validator('Notebook')` checks a value against that schema. */
export function schemaValidator(components: Record<string, unknown>): (name: string) => ValidateFunction {
  // OpenAPI 3.0 schemas: `nullable` and `discriminator` are Ajv's OpenAPI keywords; `example` and the like
  // are annotations.
  const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'd1', components: withoutMappings(components) }, 'd1');
  const cache = new Map<string, ValidateFunction>();
  return (name) => {
    let validate = cache.get(name);
    if (!validate) cache.set(name, (validate = ajv.compile({ $ref: `d1#/components/schemas/${name}` })));
    return validate;
  };
}

/** A value checked against a schema: null when valid, else Ajv's errors as one readable line. */
export function explain(validate: ValidateFunction, value: unknown): string | null {
  if (validate(value)) return null;
  return (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('; ');
}

/**
 * A copy without `discriminator.mapping`: Ajv reads the tag values from each alternative's `enum` (the same
 * values the mapping lists, which OpenAPI tools need) and refuses a mapping.
 */
function withoutMappings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMappings);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (k === 'discriminator' && v && typeof v === 'object')
        return [k, { propertyName: (v as { propertyName: string }).propertyName }];
      return [k, withoutMappings(v)];
    }),
  );
}
