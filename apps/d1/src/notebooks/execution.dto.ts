import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { parseInteger } from './notebooks.dto';

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
