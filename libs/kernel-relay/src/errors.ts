/** Why a relay call failed, in terms the rest of d1 can act on. */
export type RelayErrorKind = 'not_found' | 'unavailable' | 'bad_request' | 'dead' | 'timeout' | 'lost';

/** The one error type the relay throws; foreign errors are translated into it here. */
export class RelayError extends Error {
  constructor(
    readonly kind: RelayErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/**
 * A request whose reply or idle status was lost with a kernel connection: the kernel handled every later
 * request, so nothing more will come for it. `reply` is the execute_reply content when that much arrived.
 */
export class RequestLost extends RelayError {
  constructor(
    readonly msgId: string,
    readonly reply: Record<string, unknown> | null,
  ) {
    super('lost', `The connection to the kernel was lost before request ${msgId} finished`);
    this.name = 'RequestLost';
  }
}

interface ResponseLike {
  status: number;
}

/** Translates an error from @jupyterlab/services or fetch into a RelayError. */
export function translateError(err: unknown, what: string): RelayError {
  if (err instanceof RelayError) return err;
  const response = (err as { response?: ResponseLike } | null)?.response;
  if (response && typeof response.status === 'number') {
    if (response.status === 404) return new RelayError('not_found', `${what}: not found`);
    if (response.status >= 400 && response.status < 500) {
      return new RelayError('bad_request', `${what}: rejected by the kernel service (${response.status})`);
    }
    return new RelayError('unavailable', `${what}: kernel service answered ${response.status}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/dead/i.test(message)) return new RelayError('dead', `${what}: kernel is dead`);
  return new RelayError('unavailable', `${what}: kernel service unreachable (${message})`);
}
