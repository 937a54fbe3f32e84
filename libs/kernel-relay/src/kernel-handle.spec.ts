import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { RelayError, RequestLost } from './errors';
import { KernelHandle, withTimeout } from './kernel-handle';

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

  /** A message of this request on iopub (or stdin), as services route it to the request's future. */
  publish(msgType: string, content: Record<string, unknown> = {}, channel = 'iopub'): KernelMessage.IMessage {
    const msg = {
      header: { msg_type: msgType, msg_id: `${msgType}-${this.msg.header.msg_id}` },
      parent_header: { msg_id: this.msg.header.msg_id },
      metadata: {},
      content,
      channel,
    } as unknown as KernelMessage.IMessage;
    if (channel === 'stdin') this.onStdin(msg as KernelMessage.IStdinMessage);
    else this.onIOPub(msg as KernelMessage.IIOPubMessage);
    return msg;
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
  readonly calls: string[] = [];
  readonly inputs: Array<[unknown, unknown]> = [];
  /** Settled by the test: services' first kernel_info_reply. */
  readonly info = deferred<unknown>();
  /** What the next kernel service call (interrupt, restart, shutdown) does. */
  failNext: unknown = null;
  /** Answers to requestKernelInfo, one per call: a value resolves, an Error rejects, undefined never settles. */
  kernelInfoAnswers: unknown[] = [];

  async interrupt(): Promise<void> {
    this.call('interrupt');
  }

  async restart(): Promise<void> {
    this.call('restart');
  }

  async shutdown(): Promise<void> {
    this.call('shutdown');
  }

  requestKernelInfo(): Promise<unknown> {
    this.calls.push('requestKernelInfo');
    const answer = this.kernelInfoAnswers.shift();
    if (answer instanceof Error) return Promise.reject(answer);
    return answer === undefined ? new Promise(() => undefined) : Promise.resolve(answer);
  }

  sendInputReply(content: unknown, parentHeader: unknown): void {
    this.inputs.push([content, parentHeader]);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.disposed.emit();
  }

  private call(name: string): void {
    this.calls.push(name);
    const failure = this.failNext;
    this.failNext = null;
    if (failure) throw failure;
  }

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

function deferred<T>(): Promise<T> & { resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return Object.assign(promise, { resolve });
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

describe('KernelHandle executions', () => {
  it('sends one execute_request with the given msg_id and options over the defaults', () => {
    const { conn, handle } = setup();
    const first = handle.execute('1+1', { msgId: 'm-1' }, () => undefined);
    handle.execute(
      'x',
      { silent: true, storeHistory: false, allowStdin: false, stopOnError: false },
      () => 0,
    );
    expect(first.msgId).toBe('m-1');
    const [a, b] = conn.sent.map((f) => f.msg);
    expect(a.header).toMatchObject({
      msg_id: 'm-1',
      msg_type: 'execute_request',
      session: 'client',
      username: 'd1',
    });
    expect(a.channel).toBe('shell');
    expect(a.content).toEqual({
      code: '1+1',
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: true,
      stop_on_error: true,
    });
    expect(b.content).toMatchObject({
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
    });
  });

  it("hands each request its own iopub, stdin and reply, in arrival order, and settles with the reply's content", async () => {
    const { conn, handle } = setup();
    const seen: Record<string, string[]> = { a: [], b: [] };
    const a = handle.execute('a', {}, (m) => seen.a.push(`${m.channel}:${m.header.msg_type}`));
    const b = handle.execute('b', {}, (m) => seen.b.push(`${m.channel}:${m.header.msg_type}`));
    const [fa, fb] = conn.sent;
    fa.publish('status', { execution_state: 'busy' });
    fb.publish('status', { execution_state: 'busy' });
    fa.publish('stream', { name: 'stdout', text: 'a\n' });
    fa.publish('input_request', { prompt: '?' }, 'stdin');
    fb.publish('execute_result', { data: {} });
    fa.answer({ status: 'ok', execution_count: 1 });
    fb.answer({ status: 'error', execution_count: 2, ename: 'E' });
    expect(await a.done).toEqual({ status: 'ok', execution_count: 1 });
    expect(await b.done).toEqual({ status: 'error', execution_count: 2, ename: 'E' });
    expect(seen.a).toEqual(['iopub:status', 'iopub:stream', 'stdin:input_request', 'shell:reply']);
    expect(seen.b).toEqual(['iopub:status', 'iopub:execute_result', 'shell:reply']);
    expect(handle.waiting).toBe(0);
  });

  it("takes a request's update_display_data from the connection's iopub, never the copies services hand others", async () => {
    const { conn, handle } = setup();
    const seen: Record<string, unknown[]> = { shower: [], updater: [] };
    handle.execute('display', {}, (m) => seen.shower.push(m.content));
    const updater = handle.execute('update', {}, (m) => seen.updater.push(m.content));
    const [shower, upd] = conn.sent;
    // services copy an update to the request that first showed the display_id: dropped.
    shower.publish('update_display_data', { copy: true });
    // The connection's feed carries the real one, parented to the request that sent it.
    const update = {
      header: { msg_type: 'update_display_data', msg_id: 'u1' },
      parent_header: { msg_id: upd.msg.header.msg_id },
      metadata: {},
      content: { real: true },
      channel: 'iopub',
    } as unknown as KernelMessage.IIOPubMessage;
    conn.iopubMessage.emit(update);
    expect(seen).toEqual({ shower: [], updater: [{ real: true }] });
    upd.answer();
    await updater.done;
    // Once done, the request stops listening to the connection's feed.
    conn.iopubMessage.emit(update);
    expect(seen.updater).toEqual([{ real: true }, { status: 'ok' }]);
  });

  it('reports every received message as a message event, and no sent one', () => {
    const { conn, handle } = setup();
    const types: string[] = [];
    handle.on('message', (m) => types.push(m.header.msg_type));
    const msg = (type: string) => ({
      header: { msg_type: type, msg_id: type },
      parent_header: {},
      metadata: {},
      content: {},
      channel: 'iopub',
    });
    conn.anyMessage.emit({ direction: 'send', msg: msg('execute_request') });
    conn.anyMessage.emit({ direction: 'recv', msg: msg('stream') });
    expect(types).toEqual(['stream']);
  });

  it('turns a failure to send into a RelayError', () => {
    const { conn, handle } = setup();
    conn.sendShellMessage = () => {
      throw new Error('Kernel is dead');
    };
    expect(() => handle.execute('1', {}, () => undefined)).toThrow(
      expect.objectContaining({ name: 'RelayError', kind: 'dead' }),
    );
    expect(() => handle.complete('x', 1)).toThrow(expect.objectContaining({ kind: 'dead' }));
  });
});

describe('KernelHandle status', () => {
  it("starts from the connection's status and reports each change once, in d1's names", () => {
    const { conn, handle } = setup();
    expect(handle.status).toBe('idle');
    const states: string[] = [];
    handle.on('status', (s) => states.push(s));
    for (const s of ['busy', 'busy', 'idle', 'autorestarting', 'restarting', 'starting', 'dead', 'weird']) {
      conn.statusChanged.emit(s);
    }
    expect(states).toEqual(['busy', 'idle', 'restarting', 'starting', 'dead', 'unknown']);
    expect(handle.status).toBe('unknown');
  });

  it('emits disposed when the connection goes, and says so', () => {
    const { conn, handle } = setup();
    let disposed = 0;
    handle.on('disposed', () => disposed++);
    expect(handle.isDisposed).toBe(false);
    conn.dispose();
    expect(disposed).toBe(1);
    expect(handle.isDisposed).toBe(true);
    expect([handle.id, handle.name]).toEqual(['k1', 'python3']);
  });

  it("ready() resolves with services' first kernel_info, and rejects as dead when the kernel goes first", async () => {
    const { conn, handle } = setup();
    const ready = handle.ready();
    conn.info.resolve({});
    await expect(ready).resolves.toBeUndefined();

    const other = setup();
    const waiting = outcome(other.handle.ready());
    other.conn.dispose();
    expect(await waiting).toEqual({ err: expect.objectContaining({ kind: 'dead' }) });
    // Already gone: no need to wait for the timeout.
    await expect(other.handle.ready(60_000)).rejects.toMatchObject({ kind: 'dead' });
    expect(other.handle.listenerCount('disposed')).toBe(0);
  });

  it('ready() times out when kernel_info never comes', async () => {
    const { handle } = setup();
    await expect(handle.ready(20)).rejects.toMatchObject({
      kind: 'timeout',
      message: expect.stringContaining('20 ms'),
    });
  });

  it('restarted() asks for kernel_info again until one comes after the reconnect', async () => {
    const { conn, handle } = setup();
    conn.connectionStatus = 'connecting';
    conn.kernelInfoAnswers = [new Error('Canceled'), {}];
    const restarted = handle.restarted(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(conn.calls).toEqual([]); // still waiting for the websocket
    conn.connectionStatus = 'connected';
    conn.connectionStatusChanged.emit('connected');
    await restarted;
    expect(conn.calls).toEqual(['requestKernelInfo', 'requestKernelInfo']);
  });

  it('restarted() gives up as soon as the connection is disposed', async () => {
    const { conn, handle } = setup();
    conn.kernelInfoAnswers = [new Error('Kernel is dead')];
    conn.isDisposed = true;
    await expect(handle.restarted(5_000)).rejects.toMatchObject({ kind: 'dead' });
  });
});

describe('KernelHandle passthrough', () => {
  it('interrupt() calls the kernel service and translates its failures', async () => {
    const { conn, handle } = setup();
    await handle.interrupt();
    expect(conn.calls).toEqual(['interrupt']);
    conn.failNext = { response: { status: 404 } };
    await expect(handle.interrupt()).rejects.toMatchObject({ name: 'RelayError', kind: 'not_found' });
  });

  it('restart() restarts, then waits for a fresh kernel_info reply', async () => {
    const { conn, handle } = setup();
    conn.kernelInfoAnswers = [{}];
    await handle.restart();
    expect(conn.calls).toEqual(['restart', 'requestKernelInfo']);
    await expect(handle.restart(20)).rejects.toMatchObject({ kind: 'timeout' });
    conn.failNext = { response: { status: 503 } };
    await expect(handle.restart()).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('shutdown() disposes the connection whatever happens, and a kernel already gone is no error', async () => {
    const { conn, handle } = setup();
    conn.failNext = { response: { status: 404 } };
    await handle.shutdown();
    expect(conn.isDisposed).toBe(true);

    const other = setup();
    other.conn.failNext = new Error('ECONNREFUSED');
    await expect(other.handle.shutdown()).rejects.toMatchObject({ kind: 'unavailable' });
    expect(other.conn.isDisposed).toBe(true);
  });

  it('sendInput() answers the input_request with its parent header', () => {
    const { conn, handle } = setup();
    handle.sendInput('42', { msg_id: 'req', msg_type: 'input_request' });
    expect(conn.inputs).toEqual([
      [
        { status: 'ok', value: '42' },
        { msg_id: 'req', msg_type: 'input_request' },
      ],
    ]);
  });

  it('complete() and history() send their requests and resolve with the reply as a RelayMessage', async () => {
    const { conn, handle } = setup();
    const complete = handle.complete('imp', 3);
    const history = handle.history();
    const [c, h] = conn.sent;
    expect(complete.msgId).toBe(c.msg.header.msg_id);
    expect(c.msg.header.msg_type).toBe('complete_request');
    expect(c.msg.content).toEqual({ code: 'imp', cursor_pos: 3 });
    expect(h.msg.header.msg_type).toBe('history_request');
    // The whole running session with outputs: `stop: null` reads to its end.
    expect(h.msg.content).toEqual({
      output: true,
      raw: true,
      hist_access_type: 'range',
      session: 0,
      start: 0,
      stop: null,
    });
    c.answer({ status: 'ok', matches: ['import'] });
    expect(await complete.reply).toMatchObject({ channel: 'shell', content: { matches: ['import'] } });
    h.dispose(); // services cancel the futures of a restarting kernel
    expect(await outcome(history.reply)).toEqual({ err: expect.objectContaining({ kind: 'dead' }) });
  });
});

describe('withTimeout', () => {
  it('passes the value through, or rejects with a timeout RelayError naming what and how long', async () => {
    expect(await withTimeout(Promise.resolve(7), 1000, 'seven')).toBe(7);
    const err = await withTimeout(new Promise(() => undefined), 10, 'nothing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect(err).toMatchObject({ kind: 'timeout', message: 'nothing within 10 ms' });
  });
});
