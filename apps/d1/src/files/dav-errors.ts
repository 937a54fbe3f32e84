import { v2 as webdav } from 'webdav-server';

/** A PUT body past the limit: answered with 413. */
export const BODY_TOO_LARGE = new Error('Request body is larger than the server accepts');

/**
 * webdav-server answers an error it has no status for with 500. These are a client's doing, so they get
 * theirs: a body too large (413), and a resource that changed type while the request ran (a file became a
 * directory between two looks at it, as when someone swaps them): 409 Conflict.
 */
const STATUSES: Array<{ error: Error; code: number }> = [
  { error: BODY_TOO_LARGE, code: 413 },
  { error: webdav.Errors.NoMimeTypeForAFolder, code: 409 },
  { error: webdav.Errors.NoSizeForAFolder, code: 409 },
  { error: webdav.Errors.ExpectedAFileResourceType, code: 409 },
];

// The table is protected in the typings but is webdav-server's documented way to map errors to statuses.
(
  webdav.HTTPRequestContext as unknown as { defaultErrorStatusCodes: Array<{ error: Error; code: number }> }
).defaultErrorStatusCodes.push(...STATUSES);
