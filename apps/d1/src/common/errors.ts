/** A failure d1 reports to a client: HTTP status, a code, a sentence the user can act on, and detail. */
export class D1Error extends Error {
  /** For a 429: seconds until the client may try again (sent as Retry-After). */
  retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    readonly detail: unknown = reason,
  ) {
    super(reason);
    this.name = 'D1Error';
  }
}

/** 400: valid request that cannot be done (file exists, notebook does not parse). */
export const badRequest = (reason: string, detail: unknown = reason): D1Error =>
  new D1Error(400, 'BAD_REQUEST', reason, detail);

/** 404 for a missing thing other than a notebook or cell. */
export const notFound = (reason: string, detail: unknown = reason): D1Error =>
  new D1Error(404, 'NOT_FOUND', reason, detail);

/** 404 for an unknown notebook, with d1's code and sentence. */
export const notebookNotFound = (uuid: string): D1Error =>
  new D1Error(404, 'NOTEBOOK_NOT_FOUND', `Notebook not found with uuid: ${uuid}`, null);

/** 404 for an unknown cell, with d1's code and sentence. */
export const cellNotFound = (uuid: string): D1Error =>
  new D1Error(404, 'CELL_NOT_FOUND', `Cell not found with uuid: ${uuid}`, null);

/** 409: the request conflicts with the current state. */
export const conflict = (reason: string): D1Error => new D1Error(409, 'CONFLICT', reason);

/** 422: a field failed validation; `loc` names it. */
export const invalidField = (loc: Array<string | number>, msg: string): D1Error =>
  new D1Error(422, 'VALIDATION_ERROR', `${loc.join('.')}: ${msg}`, [{ loc, msg, type: 'value_error' }]);

/** 503: kernels are not available right now. */
export const kernelUnavailable = (reason: string): D1Error => new D1Error(503, 'KERNEL_UNAVAILABLE', reason);

/** 401: missing, invalid or expired credentials. */
export const unauthorized = (reason = 'Could not validate credentials'): D1Error =>
  new D1Error(401, 'UNAUTHORIZED', reason);

/** 403: valid credentials without the permission the route needs. */
export const forbidden = (reason = 'Inadequate permissions'): D1Error =>
  new D1Error(403, 'FORBIDDEN', reason);

/** 429: too many attempts from this client; it may try again after `retryAfterSeconds`. */
export const tooManyRequests = (reason: string, retryAfterSeconds: number): D1Error => {
  const err = new D1Error(429, 'TOO_MANY_REQUESTS', reason, null);
  err.retryAfterSeconds = retryAfterSeconds;
  return err;
};
