import { Injectable, Logger } from '@nestjs/common';
import type { KernelHandle, RelayMessage } from '@d1/kernel-relay';
import type { NotebookMessage, NotebookMessages } from '../events/messages';
import { NotebookEvents } from '../events/notebook-events';
import { toD1Error } from '../common/error-json';
import { runHidden } from './hidden-execution';
import { chdirCode } from './kernel-snippets';
import { NotebookKernels } from './notebook-kernels';
import type { NotebookRuntime } from './notebook-runtime';
import { NotebooksService } from '../notebooks/notebooks.service';
import type { OpenNotebook } from '../notebooks/open-notebook';

/** Who a reply goes to: everyone (REST) or the one websocket client that asked (with its command_id). */
interface ReplyTo {
  clientId?: string;
  commandId?: string | null;
}

/** Shell requests beside execution: completion, history, working directory, and websocket commands. */
@Injectable()
export class KernelRequests {
  private readonly logger = new Logger('KernelRequests');

  constructor(
    private readonly notebooks: NotebooksService,
    private readonly kernels: NotebookKernels,
    private readonly events: NotebookEvents,
  ) {}

  /** Sends a complete_request once the kernel is ready; the reply goes out as `complete_reply`. */
  async complete(
    nb: OpenNotebook,
    code: string,
    cursor: number | undefined,
    to: ReplyTo = {},
  ): Promise<{ message_id: string }> {
    const kernel = await this.kernels.ready(nb);
    const request = kernel.complete(code, cursor ?? [...code].length);
    void request.reply.then(
      (reply) =>
        this.reply(nb, to, {
          complete_reply: {
            ...completion(reply),
            message_id: request.msgId,
            command_id: to.commandId ?? null,
          },
        }),
      (err: Error) => {
        this.logger.debug(`complete failed: ${err.message}`);
        // A websocket client waits for an answer to its command: it gets one either way.
        if (to.clientId)
          this.reply(nb, to, { error: { message: err.message, command_id: to.commandId ?? null } });
      },
    );
    return { message_id: request.msgId };
  }

  /** Sends a history_request once the kernel is ready; the reply goes out as `history_reply`. */
  async history(nb: OpenNotebook): Promise<{ message_id: string }> {
    const kernel = await this.kernels.ready(nb);
    const request = kernel.history();
    void request.reply.then(
      (reply) =>
        this.reply(nb, {}, { history_reply: { history: historyEntries(reply), message_id: request.msgId } }),
      (err: Error) => this.logger.debug(`history failed: ${err.message}`),
    );
    return { message_id: request.msgId };
  }

  /**
   * Changes the kernel's working directory (language-specific code) once the kernel is ready; when it
   * finishes the notebook's metadata follows, is saved and broadcast. Answers with the request's msg_id at
   * once, without waiting for the change.
   */
  async chdir(nb: OpenNotebook, rt: NotebookRuntime, dir: string): Promise<{ message_id: string }> {
    const kernel = await this.kernels.ready(nb);
    const change = this.changeDirectory(kernel, nb, rt, dir);
    change.done.catch(() => undefined); // logged; the caller does not wait
    return { message_id: change.message_id };
  }

  /** chdir on a given kernel (d1's own set-up of a kernel it just restarted); settles once metadata followed. */
  chdirOn(kernel: KernelHandle, nb: OpenNotebook, rt: NotebookRuntime, dir: string): Promise<void> {
    return this.changeDirectory(kernel, nb, rt, dir).done;
  }

  /**
   * A websocket client's `complete` command (already checked): the reply, or an `error` with its
   * command_id, goes to that client alone.
   */
  completeCommand(
    nb: OpenNotebook,
    clientId: string,
    commandId: string | null,
    code: string,
    cursor: number | null | undefined,
  ): void {
    this.complete(nb, code, cursor ?? undefined, { clientId, commandId }).catch((err: unknown) => {
      const message = toD1Error(err)?.reason ?? (err as Error).message;
      this.reply(nb, { clientId }, { error: { message, command_id: commandId } });
    });
  }

  private changeDirectory(
    kernel: KernelHandle,
    nb: OpenNotebook,
    rt: NotebookRuntime,
    dir: string,
  ): { message_id: string; done: Promise<void> } {
    const code = chdirCode(rt.language(), dir);
    if (!code) {
      this.notebooks.setWorkingDirectory(nb, dir);
      return { message_id: '', done: Promise.resolve() };
    }
    let msgId = '';
    const done = runHidden(kernel, code, 30_000, (id) => (msgId = id)).then(
      () => this.notebooks.setWorkingDirectory(nb, dir),
      (err: Error) => {
        this.logger.warn(`working directory of ${nb.uuid} not changed: ${err.message}`);
        throw err;
      },
    );
    return { message_id: msgId, done };
  }

  private reply(nb: OpenNotebook, to: ReplyTo, message: NotebookMessage): void {
    if (nb.closed) return;
    this.events.emit(nb.uuid, message, to.clientId ? { onlyClient: to.clientId } : {});
  }
}

function completion(
  reply: RelayMessage,
): Pick<NotebookMessages['complete_reply'], 'matches' | 'cursor_start' | 'cursor_end'> {
  const c = reply.content;
  return { matches: c.matches ?? [], cursor_start: c.cursor_start ?? 0, cursor_end: c.cursor_end ?? 0 };
}

function historyEntries(reply: RelayMessage): NotebookMessages['history_reply']['history'] {
  const history = (reply.content.history ?? []) as Array<[number, number, unknown]>;
  return history.map(([, line, entry]) => {
    const [input, output] = Array.isArray(entry) ? entry : [entry, null];
    return {
      line_number: line,
      input: String(input),
      output: output === null || output === undefined ? null : String(output),
    };
  });
}
