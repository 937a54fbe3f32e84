import { Inject, Injectable } from '@nestjs/common';
import { promises as fsp } from 'node:fs';
import { D1_CONFIG, D1Config } from '../app-config';
import { D1Error, badRequest, kernelUnavailable, notFound } from '../common/errors';
import { ExecutionService } from './execution.service';
import { parseLastLine, runHidden } from './hidden-execution';
import { KernelRequests } from './kernel-requests';
import type { KernelVariable } from '../events/messages';
import { VarOrder, pythonIntrospection, varCode } from './kernel-snippets';
import { NotebooksService } from '../notebooks/notebooks.service';
import { confine } from '../notebooks/paths';

const DEFAULT_PAGE_SIZE = 50;

/** Kernel conversations about a notebook that are not cell runs: completion, history, workdir, variables. */
@Injectable()
export class NotebookSession {
  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly notebooks: NotebooksService,
    private readonly execution: ExecutionService,
    private readonly requests: KernelRequests,
  ) {}

  /** POST complete: the reply goes to every client as `complete_reply`. */
  complete(uuid: string, code: string, cursor?: number): Promise<{ message_id: string }> {
    return this.requests.complete(this.notebooks.get(uuid), code, cursor);
  }

  /** A websocket client's checked `complete` command; the reply goes to that client alone. */
  completeCommand(
    uuid: string,
    clientId: string,
    commandId: string | null,
    code: string,
    cursor?: number | null,
  ): void {
    const nb = this.notebooks.find(uuid);
    if (nb) this.requests.completeCommand(nb, clientId, commandId, code, cursor);
  }

  /** POST history: the reply goes out as `history_reply`. */
  history(uuid: string): Promise<{ message_id: string }> {
    return this.requests.history(this.notebooks.get(uuid));
  }

  /** PATCH change_working_directory: the directory must exist inside the root dir. */
  async changeWorkingDirectory(uuid: string, directory: string): Promise<{ message_id: string }> {
    const nb = this.notebooks.get(uuid);
    const dir = await confine(this.config.rootDir, directory);
    const stat = await fsp.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) throw notFound('Directory does not exist');
    return this.requests.chdir(nb, this.execution.runtime(nb), dir);
  }

  /** GET vars: the list refreshed after the last execution (once the kernel is ready: [] before any run). */
  async vars(uuid: string): Promise<KernelVariable[]> {
    const nb = this.notebooks.get(uuid);
    await this.execution.kernelOf(nb);
    return this.execution.runtime(nb).vars;
  }

  /** GET vars/{name}: one variable with a page of its rows (Python kernels). */
  async variable(
    uuid: string,
    name: string,
    page = 0,
    pageSize = -1,
    order: VarOrder = {},
  ): Promise<KernelVariable> {
    const nb = this.notebooks.get(uuid);
    const rt = this.execution.runtime(nb);
    const kernel = await this.execution.kernelOf(nb);
    if (rt.language() !== 'python') {
      const found = rt.vars.find((v) => v.name === name);
      if (!found) throw notFound(`Variable ${name} not found`);
      return found;
    }
    // As in the original d1, -1 is the default page size; 0 (or none) means no paging.
    const size = pageSize === -1 ? DEFAULT_PAGE_SIZE : pageSize;
    const code = varCode(name, page, size, order);
    let out: string;
    try {
      await rt.prepare(kernel);
      out = await runHidden(kernel, code, 30_000);
    } catch (err) {
      if (timedOut(err)) throw variableError(name, err as Error);
      // The user may have deleted or shadowed the helper (`del ___d1`): install it again and retry once.
      out = await runHidden(kernel, pythonIntrospection())
        .then(() => runHidden(kernel, code, 30_000))
        .catch((again: Error) => {
          throw variableError(name, again);
        });
    }
    const parsed = describedVariable(out);
    if (parsed.missing || !parsed.var) throw notFound(`Variable ${name} not found`);
    return parsed.var;
  }
}

function timedOut(err: unknown): boolean {
  return /did not answer/.test((err as Error)?.message ?? '');
}

/** The kernel could not describe the variable: 503 when it did not answer, 400 with its error otherwise. */
function variableError(name: string, err: Error): D1Error {
  if (timedOut(err)) return kernelUnavailable(`The kernel did not answer: ${err.message}`);
  return badRequest(`Variable ${name} could not be read: ${err.message}`);
}

function describedVariable(out: string): { missing?: boolean; var?: KernelVariable } {
  try {
    return parseLastLine<{ missing?: boolean; var?: KernelVariable }>(out);
  } catch {
    return {};
  }
}
