import { ValidationError, ValidationPipe } from '@nestjs/common';
import { D1Error } from './errors';

/** Flattens class-validator errors into FastAPI-like `{loc, msg, type}` entries. */
export function flattenValidationErrors(
  errors: ValidationError[],
  where: string,
  parent: string[] = [],
): Array<{
  loc: string[];
  msg: string;
  type: string;
}> {
  const out: Array<{ loc: string[]; msg: string; type: string }> = [];
  for (const e of errors) {
    const loc = [...parent, e.property];
    for (const [type, msg] of Object.entries(e.constraints ?? {})) {
      out.push({ loc: [where, ...loc], msg: cleanMessage(msg, e.property), type });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, where, loc).map((x) => x));
  }
  return out;
}

function cleanMessage(msg: string, property: string): string {
  return msg.startsWith(`${property} `) ? msg.slice(property.length + 1) : msg;
}

/** The global ValidationPipe: 422 with which field failed and why; unknown body fields are refused. */
export function makeValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
