import type { ErrorCase } from './openapi.decorators';

const err = (status: number, code: string, when: string): ErrorCase => ({ status, code, when });

/** Errors particular to some routes; routes list theirs with @Doc. */
export const Fails = {
  fileExists: err(400, 'BAD_REQUEST', 'File already exists (detail: `File already exists`)'),
  outsideRoot: err(400, 'BAD_REQUEST', 'The path leads out of the root dir'),
  notParsed: err(400, 'BAD_REQUEST', 'The notebook is not valid nbformat 4 JSON; the reason says where'),
  filenameNeeded: err(400, 'BAD_REQUEST', 'autosave is on but no filename was given'),
  noFileToReload: err(400, 'BAD_REQUEST', 'The notebook has no file to reload from'),
  noDirectory: err(404, 'NOT_FOUND', 'Directory does not exist'),
  noFile: err(404, 'NOT_FOUND', 'File not found'),
  noBeforeCell: err(404, 'CELL_NOT_FOUND', 'No cell has the uuid given as `before`'),
  noKernel: err(404, 'NOT_FOUND', 'Kernel not found'),
  noProcess: err(404, 'NOT_FOUND', 'No supervised process has this name'),
  noVariable: err(404, 'NOT_FOUND', 'Variable <name> not found'),
  variableUnreadable: err(400, 'BAD_REQUEST', 'The kernel could not describe the variable'),
  unknownSpec: err(400, 'BAD_REQUEST', 'Unknown kernel spec; the reason lists the available ones'),
  notQueued: err(409, 'CONFLICT', 'The cell is running (interrupt the kernel instead) or not queued'),
  noInputWanted: err(409, 'CONFLICT', 'The kernel is not waiting for input'),
  jupyterStop: err(409, 'CONFLICT', 'The embedded Jupyter Server cannot be stopped (restart it instead)'),
  kernelUnavailable: err(
    503,
    'KERNEL_UNAVAILABLE',
    'The notebook has no running kernel right now, or kernels are unavailable',
  ),
  kernelsUnavailable: err(503, 'KERNEL_UNAVAILABLE', 'The kernel service is unavailable'),
  startFailed: err(
    502,
    'PROXY_START_FAILED',
    'The process could not be started (detail: its last log lines)',
  ),
  startTimeout: err(
    504,
    'PROXY_START_TIMEOUT',
    'The process did not become ready in time (detail: its last log lines)',
  ),
  wrongSecret: err(
    401,
    'UNAUTHORIZED',
    'The shared secret is missing or wrong (`Login token does not match`)',
  ),
  throttled: err(
    429,
    'TOO_MANY_REQUESTS',
    'Too many failed logins from this client; Retry-After says when to try again',
  ),
  grantsMore: err(403, 'FORBIDDEN', 'A token cannot grant more than the token that mints it'),
} satisfies Record<string, ErrorCase>;

/** An operation as the document holds it, with the d1 extensions the decorators left on it. */
export interface OperationFacts {
  path: string;
  access?: string;
  hasQuery: boolean;
  hasBody: boolean;
  jsonBody: boolean;
  uploadBody: boolean;
  /** Path parameters typed as uuids (d1 answers 422 for anything else). */
  uuidParams: string[];
}

/**
 * The errors every operation of a kind can answer, from what it needs: its access (401/403), its
 * parameters and body (422, 400, 413), the notebook and cell it names (404).
 */
export function commonErrors(op: OperationFacts): ErrorCase[] {
  const out: ErrorCase[] = [];
  if (op.access === 'read' || op.access === 'write') {
    out.push(err(401, 'UNAUTHORIZED', 'The bearer token is missing, invalid or expired'));
    out.push(err(403, 'FORBIDDEN', `The token does not have ${op.access} access`));
  }
  if (op.hasBody) {
    const limit = op.uploadBody ? '--max-body' : '--max-json-body';
    out.push(
      err(413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${limit} (refused from its Content-Length)`),
    );
  }
  if (op.jsonBody) out.push(err(400, 'INVALID_JSON', 'The body is not valid JSON'));
  if (op.uuidParams.includes('uuid') && op.path.startsWith('/notebooks/{uuid}')) {
    out.push(err(404, 'NOTEBOOK_NOT_FOUND', 'No open notebook has this uuid'));
  }
  if (op.uuidParams.includes('cell_uuid'))
    out.push(err(404, 'CELL_NOT_FOUND', 'The notebook has no cell with this uuid'));
  if (op.hasQuery || (op.hasBody && !op.uploadBody) || op.uuidParams.length) {
    out.push(err(422, 'VALIDATION_ERROR', 'A parameter or body field is invalid; detail names each one'));
  }
  return out;
}
