import { Body, Controller, Get, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../common/errors';
import { Public, Read, Write } from './access.decorator';
import { MintTokenDto } from './auth.dto';
import type { AuthedRequest } from './auth.guard';
import { AuthService } from './auth.service';
import { clientKey } from './login-throttle';
import { permission } from './permission';
import { Fails } from '../common/openapi-errors';
import { Doc, json } from '../common/openapi.decorators';

/** Login: the shared secret for a token, minting narrower tokens, and echoing a token's permission. */
@ApiTags('login')
@Controller('login')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Get('access-token')
  @Public()
  @ApiSecurity('secret')
  @Doc(
    'Exchanges the shared secret for a read+write token',
    json('TokenResponse'),
    Fails.wrongSecret,
    Fails.throttled,
  )
  async accessToken(@Headers('authorization') secret: string | undefined, @Req() req: FastifyRequest) {
    const token = await this.auth.login(secret, clientKey(req.socket.remoteAddress));
    return { token: { access_token: token, token_type: 'bearer' } };
  }

  @Post('token')
  @Write()
  @HttpCode(200)
  @Doc(
    'Mints a token with chosen permissions and lifetime (e.g. read-only for viewers)',
    json('TokenResponse'),
    Fails.grantsMore,
  )
  mint(@Body() body: MintTokenDto, @Req() req: AuthedRequest) {
    if (!req.principal) throw unauthorized();
    const perm = permission(body.read_access ?? true, body.write_access ?? false);
    return {
      token: { access_token: this.auth.mint(req.principal, perm, body.expires_in), token_type: 'bearer' },
    };
  }

  @Post('test-token')
  @Read()
  @HttpCode(200)
  @Doc("Echoes the token's permission", json('PermissionResponse'))
  testToken(@Req() req: AuthedRequest) {
    return { permission: req.principal?.permission };
  }
}
