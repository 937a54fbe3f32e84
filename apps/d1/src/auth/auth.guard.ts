import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../common/errors';
import { ACCESS_KEY } from './access.decorator';
import { AuthService, Principal } from './auth.service';
import type { Access } from './permission';

/** Request with the verified principal attached by the guard. */
export type AuthedRequest = FastifyRequest & { principal?: Principal };

/**
 * The global guard: every route needs a Bearer JWT with the access its @Read()/@Write() names (write when
 * unmarked); missing/invalid/expired -> 401, lacking permission -> 403. Runs before validation, as in the original d1.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const access =
      this.reflector.getAllAndOverride<Access>(ACCESS_KEY, [ctx.getHandler(), ctx.getClass()]) ?? 'write';
    if (access === 'public') return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = this.auth.fromBearer(req.headers.authorization);
    if (!principal) throw unauthorized();
    if (!this.auth.allows(principal, access)) throw forbidden();
    req.principal = principal;
    return true;
  }
}
