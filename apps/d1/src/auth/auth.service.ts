import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { D1_CONFIG, D1Config } from '../app-config';
import { D1Error, forbidden, unauthorized } from '../common/errors';
import { LoginThrottle } from './login-throttle';
import { Access, Permission, allows, permission } from './permission';

const VERIFIED_CACHE_SIZE = 10_000;

/** What WebDAV Basic credentials allow. */
export interface BasicPermission {
  read: boolean;
  write: boolean;
}

/** A verified token: its permission and when it expires (epoch seconds). */
export interface Principal {
  permission: Permission;
  exp: number;
}

/** Shared secret -> JWT, and JWT -> permission. The only place secrets are compared or tokens signed. */
@Injectable()
export class AuthService {
  private readonly jwt: JwtService;
  /** Verified tokens, each kept until it expires; the least recently used go first past the bound. */
  private readonly verified = new LRUCache<string, Principal>({ max: VERIFIED_CACHE_SIZE });

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly throttle: LoginThrottle,
  ) {
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

  /**
   * A token minted by `minter`: never more permission than it has (403), never a longer life (an asked-for
   * `expires_in` past the minter's own expiry is a 422 naming the field; the default lifetime is cut to it).
   */
  mint(minter: Principal, perm: Permission, ttlSeconds?: number | null): string {
    const granted = minter.permission;
    if ((perm.read_access && !granted.read_access) || (perm.write_access && !granted.write_access))
      throw forbidden('A token cannot grant more than the token that mints it');
    const left = minter.exp - Math.floor(Date.now() / 1000);
    if (left <= 0) throw unauthorized();
    if (typeof ttlSeconds === 'number' && ttlSeconds > left) {
      const msg = `must be at most ${left}: a token cannot outlive the token that mints it`;
      throw new D1Error(422, 'VALIDATION_ERROR', `expires_in: ${msg}`, [
        { loc: ['body', 'expires_in'], msg, type: 'max' },
      ]);
    }
    return this.issue(perm, Math.min(ttlSeconds ?? this.config.tokenTtlSeconds, left));
  }

  /**
   * Verifies a JWT; null when missing, malformed, badly signed or expired. Cached per token until its `exp`
   * (the proxy and every websocket handshake rely on this being cheap: HS256 verification costs ~0.4 ms).
   */
  verify(token: string | undefined): Principal | null {
    if (!token) return null;
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.exp * 1000 > Date.now()) return cached;
      this.verified.delete(token);
      return null;
    }
    const principal = this.verifyUncached(token);
    if (principal)
      this.verified.set(token, principal, { ttl: Math.max(1, principal.exp * 1000 - Date.now()) });
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

  /**
   * GET /login/access-token: the shared secret (throttled per client, see LoginThrottle) for a read-write
   * token; 401 for a wrong or missing one.
   */
  async login(presented: string | undefined, client: string): Promise<string> {
    if (!presented || !(await this.throttle.attempt(client, () => this.checkSecret(presented))))
      throw unauthorized('Login token does not match');
    return this.issue(permission(true, true));
  }

  /**
   * WebDAV Basic credentials: a JWT as username or password, or the shared secret as password (throttled
   * per client like login). Null when refused; a token without any permission is refused too.
   */
  async fromBasic(username: string, password: string, client: string): Promise<BasicPermission | null> {
    const principal = this.verify(username) ?? this.verify(password);
    if (principal) {
      const p = principal.permission;
      return p.read_access || p.write_access ? { read: p.read_access, write: p.write_access } : null;
    }
    if (!password) return null;
    return (await this.throttle.attempt(client, () => this.checkSecret(password)))
      ? { read: true, write: true }
      : null;
  }

  /** Whether a principal may access something that needs `access`. */
  allows(principal: Principal, access: Access): boolean {
    return allows(principal.permission, access);
  }
}
