import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Body of POST /login/token: the permission and lifetime of the token to mint. */
export class MintTokenDto {
  @IsOptional()
  @IsBoolean()
  read_access?: boolean;

  @IsOptional()
  @IsBoolean()
  write_access?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10 * 365 * 24 * 3600)
  expires_in?: number;
}
