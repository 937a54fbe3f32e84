import { ArgumentMetadata } from '@nestjs/common';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { D1Error } from './errors';
import { makeValidationPipe } from './validation';

class Body {
  @IsString()
  @MaxLength(10)
  code!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  timeout?: number;
}

const BODY: ArgumentMetadata = { type: 'body', metatype: Body, data: undefined };

async function failure(value: unknown, meta = BODY): Promise<D1Error> {
  try {
    await makeValidationPipe().transform(value, meta);
  } catch (err) {
    return err as D1Error;
  }
  throw new Error('expected a validation error');
}

describe('the global validation pipe', () => {
  it.each([
    [{ code: 5 }, 'code: must be a string', 'isString'],
    [{}, 'code: is required', 'missing'],
    [undefined, 'code: is required', 'missing'],
    [{ code: 'x', timeout: 'soon' }, 'timeout: must be an integer number', 'isInt'],
    [{ code: 'x', timeout: -1 }, 'timeout: must not be less than 0', 'min'],
    [{ code: 'x', extra: 1 }, 'extra: is not a known field', 'whitelistValidation'],
  ])('%j -> 422 "%s"', async (value, reason, type) => {
    const err = await failure(value);
    expect(err).toBeInstanceOf(D1Error);
    expect({ status: err.status, reason: err.reason }).toEqual({ status: 422, reason });
    expect(err.detail).toEqual([expect.objectContaining({ type })]);
  });

  it.each([[[1]], ['code'], [3], [true]])('refuses the non-object body %j as a whole', async (value) => {
    const err = await failure(value);
    expect(err.reason).toBe('body: must be a JSON object sent with Content-Type: application/json');
  });

  it('names the query, not the body, for query DTOs', async () => {
    const err = await failure({ code: 5 }, { type: 'query', metatype: Body, data: undefined });
    expect(err.detail).toEqual([{ loc: ['query', 'code'], msg: 'must be a string', type: 'isString' }]);
  });

  it('passes a valid body through as a DTO instance', async () => {
    await expect(makeValidationPipe().transform({ code: 'x' }, BODY)).resolves.toBeInstanceOf(Body);
  });
});
