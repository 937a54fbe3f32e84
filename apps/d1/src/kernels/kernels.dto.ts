import { IsInt, IsOptional, IsString, Length, Matches, MaxLength, Min } from 'class-validator';

/** Body of POST /kernels. */
export class StartKernelDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(/^[\w.\-+ ]+$/, { message: 'must be a kernel spec name (letters, digits, _ . - +)' })
  name?: string;
}

/** Body of POST /kernels/{id}/execute. */
export class ExecuteCodeDto {
  @IsString()
  @MaxLength(10 * 1024 * 1024)
  code!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  timeout_ms?: number;
}
