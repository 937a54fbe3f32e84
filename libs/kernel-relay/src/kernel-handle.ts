import { EventEmitter } from 'node:events';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { RelayError, RequestLost, translateError } from './errors';
import { InFlight } from './in-flight';
import {
  ExecuteOptions,
  ExecuteReply,
  KernelState,
  RelayMessage,
  parentId,
  toKernelState,
  toRelayMessage,
} from './messages';

/** Events of one kernel connection. */
export interface KernelHandleEvents {
  status: [KernelState];
  /** Every message received from the kernel, on any channel (for raw feeds). */
  message: [RelayMessage];
  /** The kernel went away for good (deleted or dead); the handle is unusable. */
  disposed: [];
  /**
   * The websocket to the kernel came back after it was lost (not after a restart). Messages of the outage
   * may be gone: call `reconcile()` to end the requests they belonged to.
   */
  reconnected: [];
}

/** A history_request `range` to the end of the session: `stop: null`, as IPython takes it. */
type HistoryRangeToEnd = Omit<KernelMessage.IHistoryRequestRange, 'stop'> & { stop: number | null };

/** A shell request in flight: its msg_id now, its reply later. */
export interface ShellRequest {
  msgId: string;
  reply: Promise<RelayMessage>;
}

/** One running execution: its msg_id and a promise settled once both reply and idle arrived. */
export interface Execution {
  msgId: string;
  done: Promise<ExecuteReply>;
}

/** One live connection to a kernel: execute, interrupt, restart, input, and typed events. */
export class KernelHandle extends EventEmitter<KernelHandleEvents> {
  private state: KernelState;
  private readonly inFlight = new InFlight();
  private wasConnected: boolean;
  /** Bumped on every reconnect; a reconciliation belongs to the reconnect it followed. */
  private reconnects = 0;
  /** A restart began: its reconnect is no outage. */
  private restartReconnect = false;

  constructor(private readonly conn: Kernel.IKernelConnection) {
    super();
    this.state = toKernelState(conn.status);
    this.wasConnected = conn.connectionStatus === 'connected';
    conn.statusChanged.connect((_, status) => this.onStatus(toKernelState(status)));
    conn.connectionStatusChanged.connect((_, status) => this.onConnection(status));
    conn.anyMessage.connect((_, args) => {
      if (args.direction === 'recv') this.emit('message', toRelayMessage(args.msg));
    });
    conn.disposed.connect(() => this.emit('disposed'));
  }

  /** The kernel id in the kernel service. */
  get id(): string {
    return this.conn.id;
  }

  /** The kernel spec name. */
  get name(): string {
    return this.conn.name;
  }

  /** The last known execution state. */
  get status(): KernelState {
    return this.state;
  }

  /** True once the connection is disposed (kernel shut down or dead). */
  get isDisposed(): boolean {
    return this.conn.isDisposed;
  }

  /** Resolves when the kernel has answered kernel_info (the only reliable readiness signal). */
  async ready(timeoutMs = 60_000): Promise<void> {
    // A kernel that dies (or is shut down) first never answers: say so at once rather than at the timeout.
    let onGone = (): void => undefined;
    const gone = new Promise<never>((_, reject) => {
      onGone = () => reject(new RelayError('dead', `kernel ${this.id} died before it answered kernel_info`));
      if (this.conn.isDisposed) onGone();
      this.once('disposed', onGone);
    });
    try {
      await withTimeout(
        Promise.race([this.conn.info, gone]),
        timeoutMs,
        `kernel ${this.id} did not answer kernel_info`,
      );
    } finally {
      this.off('disposed', onGone);
    }
  }

  /**
   * Resolves when a kernel the kernel service restarted by itself (after a death) answers kernel_info.
   * `ready()` cannot tell: services keep the first kernel's info resolved across restarts.
   */
  async restarted(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // After an auto-restart services drop the requests in flight and reconnect (in a microtask after the
    // status), so a kernel_info sent too early is lost without an answer: ask again until one comes.
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const left = deadline - Date.now();
      try {
        await withTimeout(this.connected(), left, `kernel ${this.id} did not reconnect`);
        await withTimeout(this.conn.requestKernelInfo(), Math.min(left, 1000), 'kernel_info');
        return;
      } catch (err) {
        if (this.conn.isDisposed || Date.now() >= deadline)
          throw translateError(err, `wait for kernel ${this.id} to restart`);
      }
    }
  }

  private connected(): Promise<void> {
    if (this.conn.connectionStatus === 'connected') return Promise.resolve();
    return new Promise((resolve) => {
      const onChange = (_: unknown, status: string): void => {
        if (status !== 'connected') return;
        this.conn.connectionStatusChanged.disconnect(onChange);
        resolve();
      };
      this.conn.connectionStatusChanged.connect(onChange);
    });
  }

  /**
   * Sends an execute_request. `onMessage` gets every iopub and stdin message of this request and the reply,
   * in arrival order; `done` settles when both execute_reply and the idle status have arrived.
   */
  execute(code: string, opts: ExecuteOptions, onMessage: (msg: RelayMessage) => void): Execution {
    let future: Kernel.IShellFuture;
    try {
      const msg = KernelMessage.createMessage({
        msgType: 'execute_request',
        channel: 'shell',
        username: this.conn.username,
        session: this.conn.clientId,
        msgId: opts.msgId,
        content: {
          code,
          silent: opts.silent ?? false,
          store_history: opts.storeHistory ?? true,
          user_expressions: {},
          allow_stdin: opts.allowStdin ?? true,
          stop_on_error: opts.stopOnError ?? true,
        },
      });
      future = this.conn.sendShellMessage(msg, true, true);
    } catch (err) {
      throw translateError(err, `execute on kernel ${this.id}`);
    }
    const relay = (msg: KernelMessage.IMessage): void => onMessage(toRelayMessage(msg));
    const msgId = future.msg.header.msg_id;
    // services hand an update_display_data only to the requests that first showed its display_id (as
    // copies), never to the request that sent it. d1 applies updates notebook-wide from the sender, so the
    // copies are dropped and the sender's own updates are taken from the connection's iopub feed.
    future.onIOPub = (msg) => (msg.header.msg_type === 'update_display_data' ? undefined : relay(msg));
    const onIopub = (_: unknown, msg: KernelMessage.IIOPubMessage): void => {
      if (msg.header.msg_type === 'update_display_data' && msg.parent_header?.msg_id === msgId) relay(msg);
    };
    this.conn.iopubMessage.connect(onIopub);
    let reply: Record<string, unknown> | null = null;
    future.onStdin = relay;
    future.onReply = (msg) => {
      reply = msg.content as unknown as Record<string, unknown>;
      relay(msg);
    };
    const done = this.inFlight
      .track(
        future,
        () => reply,
        () => this.conn.iopubMessage.disconnect(onIopub),
      )
      .then(
        (msg) => msg.content as unknown as ExecuteReply,
        (err: unknown) => {
          if (err instanceof RequestLost) throw err;
          throw new RelayError('dead', 'The kernel restarted or died before the execution finished');
        },
      );
    return { msgId, done };
  }

  /**
   * Ends the requests whose messages a lost connection took away: sends a kernel_info_request and, once its
   * reply and idle status arrived, ends every request sent before it that still waits. The kernel handles
   * shell requests one at a time, in order, so nothing more will come for those. Their promises reject with
   * RequestLost (an execution's carries its execute_reply when that much arrived). Resolves with how many
   * were ended; calls after the same reconnect share one reconciliation.
   */
  reconcile(): Promise<number> {
    try {
      return this.inFlight.reconcile(this.reconnects, () =>
        this.conn.sendShellMessage(
          KernelMessage.createMessage<KernelMessage.IInfoRequestMsg>({
            ...this.shellHeader(),
            msgType: 'kernel_info_request',
            content: {},
          }),
          true,
          true,
        ),
      );
    } catch (err) {
      return Promise.reject(translateError(err, `reconcile kernel ${this.id}`));
    }
  }

  /** How many requests this connection still waits on (replies or idle statuses to come). */
  get waiting(): number {
    return this.inFlight.size;
  }

  /** Answers a pending input_request of the execution `parentMsgId`. */
  sendInput(value: string, parentHeader: Record<string, unknown>): void {
    this.conn.sendInputReply(
      { status: 'ok', value },
      parentHeader as unknown as KernelMessage.IHeader<'input_request'>,
    );
  }

  /** Sends a complete_request; returns its msg_id at once and the reply later. */
  complete(code: string, cursorPos: number): ShellRequest {
    return this.shellRequest(
      KernelMessage.createMessage<KernelMessage.ICompleteRequestMsg>({
        ...this.shellHeader(),
        msgType: 'complete_request',
        content: { code, cursor_pos: cursorPos },
      }),
    );
  }

  /**
   * Sends a history_request for the current session with outputs (as d1 does); returns its msg_id and the
   * reply later. A `range` request, because IPython only has outputs for the running session in memory:
   * `tail` reads its database, which holds no outputs by default.
   */
  history(): ShellRequest {
    const content: HistoryRangeToEnd = {
      output: true,
      raw: true,
      hist_access_type: 'range',
      session: 0,
      start: 0,
      stop: null,
    };
    return this.shellRequest(
      KernelMessage.createMessage<KernelMessage.IHistoryRequestMsg>({
        ...this.shellHeader(),
        msgType: 'history_request',
        // The kernel reads `stop: null` as "to the end"; services only type a number there.
        content: content as KernelMessage.IHistoryRequestRange,
      }),
    );
  }

  /** Interrupts the running execution. */
  async interrupt(): Promise<void> {
    try {
      await this.conn.interrupt();
    } catch (err) {
      throw translateError(err, `interrupt kernel ${this.id}`);
    }
  }

  /** Restarts the kernel (same id) and waits until the new kernel answers kernel_info. */
  async restart(timeoutMs = 60_000): Promise<void> {
    try {
      await this.conn.restart();
      // `conn.info` stays resolved from the first start, so it says nothing about the new kernel; a fresh
      // kernel_info reply does. Returning earlier leaves services' own kernel_info pending, and a second
      // restart then cancels it and fails.
      await withTimeout(
        this.conn.requestKernelInfo(),
        timeoutMs,
        `kernel ${this.id} did not answer kernel_info`,
      );
    } catch (err) {
      throw translateError(err, `restart kernel ${this.id}`);
    }
  }

  /** Shuts the kernel down in the kernel service and disposes the connection. */
  async shutdown(): Promise<void> {
    try {
      await this.conn.shutdown();
    } catch (err) {
      const e = translateError(err, `shut down kernel ${this.id}`);
      if (e.kind !== 'not_found') throw e;
    } finally {
      this.conn.dispose();
    }
  }

  /** Drops the connection without touching the kernel. */
  dispose(): void {
    this.conn.dispose();
  }

  private shellRequest(
    msg: KernelMessage.ICompleteRequestMsg | KernelMessage.IHistoryRequestMsg,
  ): ShellRequest {
    const msgType = msg.header.msg_type;
    let future: Kernel.IShellFuture;
    try {
      future = this.conn.sendShellMessage(msg, true, true);
    } catch (err) {
      throw translateError(err, `${msgType} on kernel ${this.id}`);
    }
    const reply = this.inFlight
      .track(future, () => null)
      .then(
        (m) => toRelayMessage(m),
        (err: unknown) => {
          if (err instanceof RequestLost) throw err;
          throw new RelayError('dead', `${msgType}: the kernel restarted before it answered`);
        },
      );
    return { msgId: future.msg.header.msg_id, reply };
  }

  /** The options every shell request of this connection shares. */
  private shellHeader(): { channel: 'shell'; session: string; username: string } {
    return { channel: 'shell', session: this.conn.clientId, username: this.conn.username };
  }

  private onStatus(state: KernelState): void {
    // A restart (d1's or the kernel service's) reconnects the websocket; that reconnect is the restart's.
    if (state === 'restarting') this.restartReconnect = true;
    if (state === this.state) return;
    this.state = state;
    this.emit('status', state);
  }

  private onConnection(status: string): void {
    if (status !== 'connected') return;
    const again = this.wasConnected;
    this.wasConnected = true;
    // services drop every request of the old kernel themselves after a restart: nothing to reconcile.
    const restart = this.restartReconnect;
    this.restartReconnect = false;
    if (!again || restart || this.conn.status === 'dead') return;
    this.reconnects++;
    this.emit('reconnected');
  }
}

/** Rejects with a timeout RelayError when `p` takes longer than `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RelayError('timeout', `${what} within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { parentId };
