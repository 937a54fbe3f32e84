import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { D1_CONFIG, D1Config } from '../app-config';
import { Access, Permission, allows, permission } from './permission';

const VERIFIED_CACHE_SIZE = 10_000;

/** A verified token: its permission and when it expires (epoch seconds). */
export interface Principal {
  permission: Permission;
  exp: number;
}

/** Shared secret -> JWT, and JWT -> permission. The only place secrets are compared or tokens signed. */
@Injectable()
export class AuthService {
  private readonly jwt: JwtService;
  private readonly verified = new Map<string, Principal>();

  constructor(@Inject(D1_CONFIG) private readonly config: D1Config) {
    const secret = config.jwtSecret ?? randomBytes(32).toString('hex');
    this.jwt = new JwtService({
      secret,
      signOptions: { algorithm: 'HS256' },
      verifyOptions: { algorithms: ['HS256'] },
    });
  }

  /** Constant-time comparison of a presented secret with the shared secret. */
  checkSecret(presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const a = createHash('sha256').update(presented).digest();
    const b = createHash('sha256').update(this.config.secretToken).digest();
    return timingSafeEqual(a, b);
  }

  /** Signs a token carrying `perm`, valid for `ttlSeconds` (default: the configured TTL). */
  issue(perm: Permission, ttlSeconds?: number | null): string {
    const expiresIn = ttlSeconds ?? this.config.tokenTtlSeconds;
    // Only the two flags travel (d1 clients read the rest from /login/test-token): WebDAV clients such as
    // davfs2 and litmus refuse credentials of 256 characters or more, and the token is a password there.
    const sub = JSON.stringify({ read_access: perm.read_access, write_access: perm.write_access });
    return this.jwt.sign({ sub }, { expiresIn });
  }

  /** Verifies a JWT; null when missing, malformed, badly signed or expired. */
  verify(token: string | undefined): Principal | null {
    if (!token) return null;
    // Verifying an HS256 token costs ~0.4 ms with jsonwebtoken; every request and handshake carries one.
    const cached = this.verified.get(token);
    if (cached) return cached.exp * 1000 > Date.now() ? cached : null;
    const principal = this.verifyUncached(token);
    if (principal) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE)
        this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, principal);
    }
    return principal;
  }

  private verifyUncached(token: string): Principal | null {
    try {
      const claims = this.jwt.verify<{ sub?: string; exp?: number }>(token);
      const raw = JSON.parse(claims.sub ?? 'null') as Partial<Permission> | null;
      if (!raw || typeof raw !== 'object' || typeof claims.exp !== 'number') return null;
      return { permission: permission(raw.read_access === true, raw.write_access === true), exp: claims.exp };
    } catch {
      return null;
    }
  }

  /** The principal of an `Authorization: Bearer <jwt>` header, or null. */
  fromBearer(header: string | undefined): Principal | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return m ? this.verify(m[1]) : null;
  }

  /** WebDAV Basic credentials: a JWT as username or password, or the shared secret as password. */
  fromBasic(username: string, password: string): { read: boolean; write: boolean } | null {
    const principal = this.verify(username) ?? this.verify(password);
    if (principal) {
      const p = principal.permission;
      return p.read_access || p.write_access ? { read: p.read_access, write: p.write_access } : null;
    }
    return this.checkSecret(password) ? { read: true, write: true } : null;
  }

  /** Whether a principal may access something that needs `access`. */
  allows(principal: Principal, access: Access): boolean {
    return allows(principal.permission, access);
  }
}
