import { Transform } from 'class-transformer';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';
import { parseInteger } from '../notebooks/notebooks.dto';

/** `?above_position&below_position` of execute_all. */
export class ExecuteAllQuery {
  @IsOptional()
  @Transform(({ value }) => parseInteger(value))
  @IsInt()
  above_position?: number;

  @IsOptional()
  @Transform(({ value }) => parseInteger(value))
  @IsInt()
  below_position?: number;
}

/** Body of scratch_execute. */
export class CodeBody {
  @IsString()
  code!: string;
}

/** Body of complete. */
export class CompleteBody {
  @IsString()
  code!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  cursor_position?: number;
}

/** Body of POST /notebooks/{uuid}/input: the answer to a pending input(). */
export class InputBody {
  @IsString()
  value!: string;
}

/** `?directory=` of change_working_directory. */
export class DirectoryQuery {
  @IsString()
  directory!: string;
}

/** `?page_size&page` of the variable detail. */
export class VarPageQuery {
  @IsOptional()
  @Transform(({ value }) => parseInteger(value))
  @IsInt()
  page_size?: number;

  @IsOptional()
  @Transform(({ value }) => parseInteger(value))
  @IsInt()
  @Min(0)
  page?: number;
}

/** One filter of the variable explorer: a column (name or index) and a text search and/or a numeric range. */
export class VarFilter {
  @IsDefined()
  col!: string | number;

  @IsOptional()
  @IsString()
  search?: string;

  @IsOptional()
  @IsNumber()
  min?: number;

  @IsOptional()
  @IsNumber()
  max?: number;
}

/** Body of POST /notebooks/{uuid}/vars/{name}: sorting and filtering of the rows. */
export class VarOrderBody {
  @IsOptional()
  @IsArray()
  sort_by?: Array<string | number>;

  @IsOptional()
  @IsArray()
  @IsBoolean({ each: true })
  ascending?: boolean[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => VarFilter)
  filters?: VarFilter[];
}
