import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { D1Error, invalidField } from './errors';

/** One failed field, FastAPI-style. */
export interface FieldError {
  loc: string[];
  msg: string;
  type: string;
}

/** Constraints that say what kind of value a field needs; when one fails, range or format errors are noise. */
const TYPE_CONSTRAINTS = [
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isObject',
  'isArray',
  'isEnum',
  'isIn',
  'isUUID',
];

/**
 * Flattens class-validator errors into FastAPI-like `{loc, msg, type}` entries, one per field: a missing
 * field is "is required", a field the DTO does not have is "is not a known field", and a wrong type is
 * reported alone rather than with the range checks that failed because of it.
 */
export function flattenValidationErrors(
  errors: ValidationError[],
  where: string,
  parent: string[] = [],
): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const loc = [...parent, e.property];
    const entry = fieldError(e);
    if (entry) out.push({ loc: [where, ...loc], ...entry });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, where, loc));
  }
  return out;
}

function fieldError(e: ValidationError): { msg: string; type: string } | null {
  const constraints = Object.entries(e.constraints ?? {});
  if (constraints.length === 0) return null;
  if (constraints.some(([type]) => type === 'whitelistValidation')) {
    return { msg: 'is not a known field', type: 'whitelistValidation' };
  }
  if (e.value === undefined) return { msg: 'is required', type: 'missing' };
  const [type, msg] = constraints.find(([t]) => TYPE_CONSTRAINTS.includes(t)) ?? constraints[0];
  return { msg: cleanMessage(msg, e.property), type };
}

function cleanMessage(msg: string, property: string): string {
  return msg.startsWith(`${property} `) ? msg.slice(property.length + 1) : msg;
}

/**
 * The global ValidationPipe: 422 with which field failed and why; unknown body fields are refused. A body
 * that is not a JSON object (an array, a bare string, a form post) is refused as a whole first, since
 * class-validator would otherwise report its array indices or characters as unknown fields.
 */
class D1ValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && this.toValidate(metadata) && !isObjectOrEmpty(value)) {
      throw invalidField(['body'], 'must be a JSON object sent with Content-Type: application/json');
    }
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      throw relocate(err, metadata.type);
    }
  }
}

/** The exception factory cannot see where the value came from; name it (body, query, param) here. */
function relocate(err: unknown, where: string): unknown {
  if (!(err instanceof D1Error) || where === 'body' || !Array.isArray(err.detail)) return err;
  const detail = (err.detail as FieldError[]).map((d) => ({ ...d, loc: [where, ...d.loc.slice(1)] }));
  return new D1Error(err.status, err.code, err.reason, detail);
}

function isObjectOrEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value));
}

/** The global ValidationPipe d1 registers as APP_PIPE. */
export function makeValidationPipe(): ValidationPipe {
  return new D1ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const detail = flattenValidationErrors(errors, 'body');
      const reason =
        detail.map((d) => `${d.loc.slice(1).join('.')}: ${d.msg}`).join('; ') || 'Invalid request';
      return new D1Error(422, 'VALIDATION_ERROR', reason, detail);
    },
  });
}
