import {
  ArgumentMetadata,
  ExecutionContext,
  Injectable,
  PipeTransform,
  createParamDecorator,
} from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { CELL_TYPES, type CellType, isUuid } from '@d1/notebook';
import { IntersectionType, PartialType } from '@nestjs/swagger';
import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { D1Error, invalidField } from '../common/errors';
import { documentBody, documentQuery } from '../common/openapi.decorators';
import { flattenValidationErrors } from '../common/validation';

const TRUE = ['true', '1', 'yes', 'on', 't', 'y'];
const FALSE = ['false', '0', 'no', 'off', 'f', 'n'];

/** Query booleans as the original d1 (pydantic) reads them: true/false, 1/0, yes/no, on/off; anything else stays invalid. */
export function parseBool(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  return TRUE.includes(v) ? true : FALSE.includes(v) ? false : value;
}

/** Query integers: decimal digits with an optional sign; anything else stays invalid. */
export function parseInteger(value: unknown): unknown {
  return typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : value;
}

const QueryBool = () => Transform(({ value }) => parseBool(value));

/** Validates `plain` into `dto`; unknown fields are dropped (as the original d1 ignores them), bad ones give 422. */
export function validateInto<T extends object>(dto: Type<T>, plain: unknown, where: 'query' | 'body'): T {
  if (plain === undefined || plain === null) plain = {};
  if (typeof plain !== 'object' || Array.isArray(plain)) throw invalidField([where], 'must be a JSON object');
  // class-transformer calls `new value.constructor()` on a nested object with an own `constructor` key: a TypeError.
  const instance = toInstance(dto, plain, where);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length === 0) return instance;
  const detail = flattenValidationErrors(errors, where);
  const reason = detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; ');
  throw new D1Error(422, 'VALIDATION_ERROR', reason, detail);
}

function toInstance<T extends object>(dto: Type<T>, plain: unknown, where: 'query' | 'body'): T {
  try {
    return plainToInstance(dto, plain, { enableImplicitConversion: false });
  } catch {
    throw invalidField([where], 'has an object under a key named "constructor"; rename that key');
  }
}

const queryParam = createParamDecorator((dto: Type<object>, ctx: ExecutionContext) =>
  validateInto(dto, ctx.switchToHttp().getRequest<FastifyRequest>().query, 'query'),
);

const bodyParam = createParamDecorator((dto: Type<object>, ctx: ExecutionContext) =>
  validateInto(dto, ctx.switchToHttp().getRequest<FastifyRequest>().body, 'body'),
);

/**
 * The request's query string validated into a DTO (after the auth guard, like every parameter); the DTO's
 * fields are documented as the route's query parameters.
 */
export const D1Query =
  (dto: Type<object>): ParameterDecorator =>
  (target, key, index) => {
    queryParam(dto)(target, key, index);
    documentQuery(dto, target, key);
  };

/** The JSON body validated into a DTO; an empty body counts as `{}`. The DTO documents the route's body. */
export const D1Body =
  (dto: Type<object>): ParameterDecorator =>
  (target, key, index) => {
    bodyParam(dto)(target, key, index);
    documentBody(dto, target, key);
  };

/** Path parameters typed as UUIDs in the original d1: anything else is a 422; the value comes back lower-cased. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!isUuid(value)) throw invalidField(['path', metadata.data ?? 'uuid'], 'value is not a valid uuid');
    return value.toLowerCase();
  }
}

/**
 * A notebook's file name, without a directory: `.ipynb` is added to it, so `.`, `..` or any name starting with
 * a dot would make a hidden file (`..ipynb`, `.ipynb`), and a `/` would put it elsewhere.
 */
export function IsNotebookFileName(): PropertyDecorator {
  return ValidateBy({
    name: 'isNotebookFileName',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.trim() !== '' && !value.startsWith('.') && !/[/\0]/.test(value),
      defaultMessage: () => "must be a file name: not blank, no '/', not starting with '.'",
    },
  });
}

/** `?filename&directory`: where a notebook file goes. */
export class FileTargetQuery {
  @IsString()
  @MinLength(1)
  @IsNotebookFileName()
  filename!: string;

  @IsOptional()
  @IsString()
  directory?: string;
}

/** How a notebook is opened: the kernel spec and working directory to use. */
export class OpenOptionsQuery {
  @IsOptional()
  @IsString()
  kspec_name?: string;

  @IsOptional()
  @IsString()
  working_directory?: string;
}

/** POST /notebooks/upload_and_open: where (optional: autosave=false notebooks may live in memory), how. */
export class UploadAndOpenQuery extends IntersectionType(PartialType(FileTargetQuery), OpenOptionsQuery) {
  @IsOptional()
  @QueryBool()
  @IsBoolean()
  autosave?: boolean;
}

/** GET /notebooks/open/. */
export class OpenQuery extends OpenOptionsQuery {
  @IsString()
  filepath!: string;
}

/** POST /notebooks/create: where the new file goes and how it is opened. */
export class CreateQuery extends IntersectionType(FileTargetQuery, OpenOptionsQuery) {}

/** GET /notebooks/metadata/. */
export class MetadataQuery {
  @IsString()
  filepath!: string;
}

/** PATCH /notebooks/{uuid}/save_as. */
export class SaveAsQuery extends FileTargetQuery {
  @IsOptional()
  @QueryBool()
  @IsBoolean()
  overwrite?: boolean;
}

/** PATCH /notebooks/{uuid}/rename. */
export class RenameQuery extends SaveAsQuery {
  @IsOptional()
  @QueryBool()
  @IsBoolean()
  just_metadata?: boolean;
}

/** Body of POST /notebooks/{uuid}/cells; `{}` appends an empty code cell. */
export class AddCellBody {
  @IsOptional()
  @IsIn(CELL_TYPES)
  cell_type?: CellType;

  @IsOptional()
  @IsString()
  source?: string;

  @IsOptional()
  @IsUUID('all')
  before?: string;
}

/** Body of PATCH /notebooks/{uuid}/cells/{cell}. */
export class PatchCellBody {
  @IsOptional()
  @IsString()
  source?: string;

  @IsOptional()
  @IsIn(CELL_TYPES)
  cell_type?: CellType;
}

/** `?before=<cell uuid>` of move; absent means "to the end". */
export class MoveQuery {
  @IsOptional()
  @IsUUID('all')
  before?: string;
}

/** `?above=` of merge. */
export class MergeQuery {
  @IsOptional()
  @QueryBool()
  @IsBoolean()
  above?: boolean;
}

/** `?split_location=` of split: a character offset, required. */
export class SplitQuery {
  @Transform(({ value }) => parseInteger(value))
  @IsInt()
  split_location!: number;
}
