import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { RequestLost } from './errors';
import { KernelHandle } from './kernel-handle';

/** A Lumino-style signal: what KernelHandle connects to on a services connection. */
class FakeSignal<T> {
  private slots: Array<(sender: unknown, args: T) => void> = [];
  connect(slot: (sender: unknown, args: T) => void): boolean {
    this.slots.push(slot);
    return true;
  }
  disconnect(slot: (sender: unknown, args: T) => void): boolean {
    this.slots = this.slots.filter((s) => s !== slot);
    return true;
  }
  emit(args: T): void {
    for (const slot of [...this.slots]) slot(this, args);
  }
}

/** A shell request as services track it: the test settles `done` as the kernel would. */
class FakeFuture {
  onIOPub: (msg: KernelMessage.IIOPubMessage) => void = () => undefined;
  onReply: (msg: KernelMessage.IShellMessage) => void = () => undefined;
  onStdin: (msg: KernelMessage.IStdinMessage) => void = () => undefined;
  disposed = false;
  resolve!: (msg: unknown) => void;
  private reject!: (err: Error) => void;
  readonly done = new Promise<unknown>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor(readonly msg: KernelMessage.IShellMessage) {
    this.done.catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    this.reject(new Error(`Canceled future for ${this.msg.header.msg_type}`));
  }

  /** The kernel answers: the reply (shell) and then idle (iopub). */
  answer(content: Record<string, unknown> = { status: 'ok' }): void {
    const reply = {
      header: { msg_type: 'reply', msg_id: 'r' },
      parent_header: {},
      content,
      channel: 'shell',
    };
    this.onReply(reply as unknown as KernelMessage.IShellMessage);
    this.resolve(reply);
  }
}

/** The services connection at the adapter boundary, driven by the test. */
class FakeConnection {
  readonly id = 'k1';
  readonly name = 'python3';
  readonly username = 'd1';
  readonly clientId = 'client';
  status = 'idle';
  connectionStatus = 'connected';
  isDisposed = false;
  readonly statusChanged = new FakeSignal<string>();
  readonly connectionStatusChanged = new FakeSignal<string>();
  readonly anyMessage = new FakeSignal<unknown>();
  readonly disposed = new FakeSignal<void>();
  readonly iopubMessage = new FakeSignal<KernelMessage.IIOPubMessage>();
  readonly sent: FakeFuture[] = [];

  sendShellMessage(msg: KernelMessage.IShellMessage): FakeFuture {
    const future = new FakeFuture(msg);
    this.sent.push(future);
    return future;
  }

  /** The websocket drops and comes back (services reconnect by themselves). */
  reconnect(status = 'idle'): void {
    this.connectionStatus = 'connecting';
    this.connectionStatusChanged.emit('connecting');
    this.status = status;
    this.connectionStatus = 'connected';
    this.connectionStatusChanged.emit('connected');
  }

  last(type: string): FakeFuture {
    const found = this.sent.filter((f) => f.msg.header.msg_type === type).pop();
    if (!found) throw new Error(`no ${type} sent`);
    return found;
  }
}

function setup() {
  const conn = new FakeConnection();
  const handle = new KernelHandle(conn as unknown as Kernel.IKernelConnection);
  const reconnects: number[] = [];
  handle.on('reconnected', () => reconnects.push(Date.now()));
  const run = (code: string) => handle.execute(code, {}, () => undefined);
  return { conn, handle, reconnects, run };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (err: unknown) => ({ err }),
  );

describe('KernelHandle after a lost connection', () => {
  it('emits reconnected when the websocket comes back, but not for a restart', () => {
    const { conn, reconnects } = setup();
    conn.reconnect();
    expect(reconnects).toHaveLength(1);
    // services report 'restarting' (or 'autorestarting'), then 'unknown' while they reconnect.
    for (const status of ['restarting', 'autorestarting']) {
      conn.statusChanged.emit(status);
      conn.reconnect('unknown');
    }
    expect(reconnects).toHaveLength(1);
    conn.statusChanged.emit('idle');
    conn.reconnect();
    expect(reconnects).toHaveLength(2);
  });

  it('reconcile ends the requests sent before its kernel_info once that is answered, keeping a reply that came', async () => {
    const { conn, handle, run } = setup();
    const replied = run('print(1)'); // its reply arrived, its idle was lost
    const nothing = run('print(2)'); // nothing came back at all
    const finished = run('print(3)'); // answered in full before the kernel_info
    const complete = handle.complete('pri', 3);
    const futures = conn.sent.slice();
    futures[0].onReply({
      content: { status: 'ok', execution_count: 7 },
    } as unknown as KernelMessage.IShellMessage);
    conn.reconnect();
    const reconciled = handle.reconcile();
    const later = run('print(4)'); // sent after the kernel_info: not covered
    futures[2].answer({ status: 'ok', execution_count: 9 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(handle.waiting).toBe(4);
    conn.last('kernel_info_request').answer();
    expect(await reconciled).toBe(3);
    const lost = (await outcome(replied.done)) as { err: RequestLost };
    expect(lost.err).toBeInstanceOf(RequestLost);
    expect(lost.err.kind).toBe('lost');
    expect(lost.err.reply).toEqual({ status: 'ok', execution_count: 7 });
    expect(((await outcome(nothing.done)) as { err: RequestLost }).err.reply).toBeNull();
    expect(await outcome(finished.done)).toEqual({ ok: { status: 'ok', execution_count: 9 } });
    expect(((await outcome(complete.reply)) as { err: Error }).err).toBeInstanceOf(RequestLost);
    // services stop routing messages of the lost requests to them.
    expect([futures[0].disposed, futures[1].disposed, futures[3].disposed]).toEqual([true, true, true]);
    expect(handle.waiting).toBe(1);
    conn.last('execute_request').answer();
    expect(await outcome(later.done)).toEqual({ ok: { status: 'ok' } });
  });

  it('calls after one reconnect share a reconciliation; a new outage supersedes the last one', async () => {
    const { conn, handle, run } = setup();
    const first = run('x');
    conn.reconnect();
    const a = handle.reconcile();
    expect(handle.reconcile()).toBe(a);
    const infoA = conn.last('kernel_info_request');
    conn.reconnect(); // the kernel_info of `a` may itself be lost now
    const b = handle.reconcile();
    expect(b).not.toBe(a);
    expect(infoA.disposed).toBe(true);
    expect(await outcome(a)).toEqual({ err: expect.objectContaining({ kind: 'lost' }) });
    conn.last('kernel_info_request').answer();
    expect(await b).toBe(1);
    expect(await outcome(first.done)).toEqual({ err: expect.any(RequestLost) });
  });

  it('a restart or death still rejects as dead, not lost', async () => {
    const { conn, run } = setup();
    const running = run('while True: pass');
    conn.sent[0].dispose(); // services cancel every future when the kernel restarts
    expect(await outcome(running.done)).toEqual({ err: expect.objectContaining({ kind: 'dead' }) });
  });
});
