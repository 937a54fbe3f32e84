import { Injectable, Logger } from '@nestjs/common';
import type { KernelHandle, RelayMessage } from '@d1/kernel-relay';
import { D1Message, NotebookEvents } from '../events/notebook-events';
import { kernelUnavailable } from '../common/errors';
import { runHidden } from './hidden-execution';
import { chdirCode } from './kernel-snippets';
import type { NotebookRuntime } from './notebook-runtime';
import { NotebooksService } from './notebooks.service';
import type { OpenNotebook } from './open-notebook';

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
    private readonly events: NotebookEvents,
  ) {}

  /** Sends a complete_request; the reply goes out as `complete_reply`. */
  complete(
    nb: OpenNotebook,
    code: string,
    cursor: number | undefined,
    to: ReplyTo = {},
  ): { message_id: string } {
    const request = this.kernel(nb).complete(code, cursor ?? [...code].length);
    void request.reply.then(
      (reply) =>
        this.reply(nb, to, {
          complete_reply: {
            ...completion(reply),
            message_id: request.msgId,
            command_id: to.commandId ?? null,
          },
        }),
      (err: Error) => this.logger.debug(`complete failed: ${err.message}`),
    );
    return { message_id: request.msgId };
  }

  /** Sends a history_request; the reply goes out as `history_reply`. */
  history(nb: OpenNotebook): { message_id: string } {
    const request = this.kernel(nb).history();
    void request.reply.then(
      (reply) =>
        this.reply(nb, {}, { history_reply: { history: historyEntries(reply), message_id: request.msgId } }),
      (err: Error) => this.logger.debug(`history failed: ${err.message}`),
    );
    return { message_id: request.msgId };
  }

  /**
   * Changes the kernel's working directory (language-specific code); when it finishes the notebook's
   * metadata follows, is saved and broadcast. Answers with the request's msg_id at once; `done` settles
   * once the metadata followed (rejects when the kernel refused the change).
   */
  chdir(nb: OpenNotebook, rt: NotebookRuntime, dir: string): { message_id: string; done: Promise<void> } {
    const code = chdirCode(rt.language(), dir);
    const kernel = this.kernel(nb);
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
    done.catch(() => undefined); // logged above; callers that do not wait must not see it unhandled
    return { message_id: msgId, done };
  }

  /** A command sent over the notebook websocket; only `complete` exists (d1). */
  handleCommand(nb: OpenNotebook | null, clientId: string, raw: unknown): void {
    if (!nb) return;
    let msg: { command?: unknown; command_id?: unknown; body?: unknown };
    try {
      msg = JSON.parse(String(raw)) as typeof msg;
      if (typeof msg !== 'object' || msg === null) throw new Error('not an object');
    } catch {
      this.reply(nb, { clientId }, { error: { message: 'Invalid JSON in command', command_id: null } });
      return;
    }
    const commandId = typeof msg.command_id === 'string' ? msg.command_id : null;
    if (msg.command !== 'complete') {
      this.reply(
        nb,
        { clientId },
        { error: { message: `Command '${String(msg.command)}' is not supported`, command_id: commandId } },
      );
      return;
    }
    const body = (msg.body ?? {}) as { code?: unknown; cursor_position?: unknown };
    const detail = bodyErrors(body);
    if (detail.length) {
      this.reply(
        nb,
        { clientId },
        {
          error: {
            message: 'Error processing incoming command, invalid body',
            detail,
            command_id: commandId,
          },
        },
      );
      return;
    }
    try {
      this.complete(nb, body.code as string, body.cursor_position as number | undefined, {
        clientId,
        commandId,
      });
    } catch (err) {
      this.reply(nb, { clientId }, { error: { message: (err as Error).message, command_id: commandId } });
    }
  }

  private reply(nb: OpenNotebook, to: ReplyTo, message: D1Message): void {
    if (nb.closed) return;
    this.events.emit(nb.uuid, message, to.clientId ? { onlyClient: to.clientId } : {});
  }

  private kernel(nb: OpenNotebook): KernelHandle {
    if (!nb.kernel || nb.kernel.isDisposed)
      throw kernelUnavailable('The notebook has no running kernel right now; retry shortly');
    return nb.kernel;
  }
}

function completion(reply: RelayMessage): Record<string, unknown> {
  const c = reply.content;
  return { matches: c.matches ?? [], cursor_start: c.cursor_start ?? 0, cursor_end: c.cursor_end ?? 0 };
}

function historyEntries(
  reply: RelayMessage,
): Array<{ line_number: number; input: string; output: string | null }> {
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

function bodyErrors(body: { code?: unknown; cursor_position?: unknown }): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (body.code === undefined)
    out.push({ loc: ['code'], msg: 'field required', type: 'value_error.missing' });
  else if (typeof body.code !== 'string')
    out.push({ loc: ['code'], msg: 'str type expected', type: 'type_error.str' });
  const cp = body.cursor_position;
  if (cp !== undefined && cp !== null && !(Number.isInteger(cp) && (cp as number) >= 0)) {
    out.push({ loc: ['cursor_position'], msg: 'value is not a valid integer', type: 'type_error.integer' });
  }
  return out;
}
