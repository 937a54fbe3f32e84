import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { D1_CONFIG, D1Config } from '../app-config';
import { tooManyRequests } from '../common/errors';

const WINDOW_SECONDS = 60;

/** The address a request came from, as the throttle keys it (IPv4 without its IPv6 mapping). */
export function clientKey(remoteAddress: string | undefined): string {
  return (remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

/**
 * Failed attempts at the shared secret, per client address: it can be tried at /login/access-token and as a
 * WebDAV Basic password, and both count here. Past the allowance a client gets 429 for the rest of the
 * minute, whatever it sends; other clients are not affected. Tokens are not throttled: they cannot be guessed.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures: RateLimiterMemory;
  private readonly allowed: number;

  constructor(@Inject(D1_CONFIG) config: D1Config) {
    this.allowed = config.loginFailuresPerMinute;
    this.failures = new RateLimiterMemory({ points: this.allowed, duration: WINDOW_SECONDS });
  }

  /**
   * Runs one check of a presented secret for `client`: throws 429 while the client is throttled (without
   * running it), and counts a false answer as a failure.
   */
  async attempt(client: string, check: () => boolean): Promise<boolean> {
    const seen = await this.failures.get(client);
    if (seen && seen.consumedPoints >= this.allowed) {
      const seconds = Math.max(1, Math.ceil(seen.msBeforeNext / 1000));
      throw tooManyRequests(`Too many failed logins from this client; try again in ${seconds} s`, seconds);
    }
    if (check()) return true;
    // Rejects once the allowance is used up; the next attempt is then refused above.
    await this.failures.consume(client).catch(() => undefined);
    return false;
  }
}
