import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { useD1, waitFor } from './support/d1';
import { makeNotebook, uploadAndOpen } from './support/notebooks';
import { WsRecorder } from './support/ws';
import { checkFeedSchemas } from './support/ws-schemas';

/**
 * A read-only token must not run code. IPython's dict-key completer evaluates the text of a completion
 * request, so this exact completion (from the security review) runs `id > owned.txt` in the kernel.
 */
const PAYLOAD = String.raw`__builtins__.__dict__['\','+__import__("os").system("id > owned.txt")#',`;
/** The same effect as plain code, for the routes that take code. */
const CODE = '__import__("os").system("id > owned.txt")';

/** Every owned.txt anywhere under the root dir (the kernel writes it in its working directory). */
function owned(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (name === 'owned.txt') found.push(full);
      else if (statSync(full).isDirectory()) walk(full);
    }
  };
  walk(root);
  return found;
}

describe('security: a read-only token cannot run code in a kernel', () => {
  checkFeedSchemas();
  const d1 = useD1();
  let uuid: string;
  let cellId: string;
  let readOnly: string;
  let writer: string;
  const url = (): string => `${d1.wsUrl}/notebooks/${uuid}/ws/notebook`;

  beforeAll(async () => {
    const nb = await uploadAndOpen(d1, 'filename=attacked.ipynb', makeNotebook(['x = 1']));
    uuid = nb.metadata.jupyter_d1.uuid;
    cellId = nb.cells[0].id;
    await waitFor(
      async () => (await d1.request('GET', `/kernels/${uuid}`)).status === 200,
      'the notebook kernel to be ready',
      30_000,
    );
    readOnly = await d1.token({ read_access: true, write_access: false });
    writer = await d1.token();
  });

  afterEach(() => {
    for (const f of owned(d1.rootDir)) rmSync(f);
  });

  /** Sends a harmless completion as a writer and waits for its reply: everything sent before it was handled. */
  async function roundTrip(client: WsRecorder, id: string): Promise<void> {
    client.send({ command: 'complete', command_id: id, body: { code: 'import o', cursor_position: 8 } });
    await client.until((m) => m.some((x) => x.complete_reply?.command_id === id), `the reply to ${id}`);
  }

  it("the review's completion does run code when a writer sends it (so the attack below is real)", async () => {
    const ws = await new WsRecorder(url(), { token: writer }).ready();
    ws.send({ command: 'complete', command_id: 'writer', body: { code: PAYLOAD } });
    await ws.until((m) => m.some((x) => x.complete_reply?.command_id === 'writer'), 'the complete_reply');
    await waitFor(() => owned(d1.rootDir).length > 0, 'the kernel to write owned.txt');
    ws.close();
  });

  it('the same websocket command from a read-only client: an error with its command_id, nothing reaches the kernel', async () => {
    const stream = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/stream`, {
      token: readOnly,
    }).ready();
    const attacker = await new WsRecorder(url(), { token: readOnly }).ready();
    const witness = await new WsRecorder(url(), { token: writer }).ready();
    attacker.send({ command: 'complete', command_id: 'attack', body: { code: PAYLOAD } });
    attacker.send({
      command: 'complete',
      command_id: 'attack-2',
      body: { code: PAYLOAD, cursor_position: 3 },
    });
    await attacker.until((m) => m.length >= 2, 'two answers');
    expect(attacker.messages).toEqual(
      ['attack', 'attack-2'].map((id) => ({
        error: {
          message: 'Inadequate permissions',
          detail: "Command 'complete' needs a token with write access",
          command_id: id,
        },
      })),
    );
    // A writer's completion after the attack is answered: the kernel handled everything sent before it.
    await roundTrip(witness, 'after');
    await stream.until(
      (m) => m.some((x) => x.channel === 'shell' && x.header?.msg_type === 'complete_reply'),
      "the writer's complete_reply on the raw stream",
    );
    const replies = stream.messages.filter(
      (x) => x.channel === 'shell' && x.header?.msg_type === 'complete_reply',
    );
    expect(replies).toHaveLength(1);
    expect(owned(d1.rootDir)).toEqual([]);
    // The error went to the attacker alone.
    expect(witness.messages.filter((m) => m.error)).toEqual([]);
    for (const c of [stream, attacker, witness]) c.close();
  });

  it('an unknown command from a read-only client is answered as unknown and reaches nothing', async () => {
    const attacker = await new WsRecorder(url(), { token: readOnly }).ready();
    attacker.send({ command: 'execute', command_id: 'x1', body: { code: CODE } });
    attacker.send({ command: 'constructor', command_id: 'x2', body: { code: CODE } });
    await attacker.until((m) => m.length >= 2, 'two answers');
    expect(attacker.messages.map((m) => m.error.message)).toEqual([
      "Command 'execute' is not supported",
      "Command 'constructor' is not supported",
    ]);
    const witness = await new WsRecorder(url(), { token: writer }).ready();
    await roundTrip(witness, 'after-unknown');
    expect(owned(d1.rootDir)).toEqual([]);
    attacker.close();
    witness.close();
  });

  it('every REST route that takes code or reaches a kernel refuses a read-only token with 403', async () => {
    const auth = `Bearer ${readOnly}`;
    const routes: Array<[string, string, unknown?]> = [
      ['POST', `/notebooks/${uuid}/complete`, { code: PAYLOAD }],
      ['POST', `/notebooks/${uuid}/scratch_execute`, { code: CODE }],
      ['POST', `/notebooks/${uuid}/cells`, { source: CODE }],
      ['PATCH', `/notebooks/${uuid}/cells/${cellId}/execute`, { source: CODE }],
      ['POST', `/notebooks/${uuid}/cells/${cellId}/execute`],
      ['GET', `/notebooks/${uuid}/cells/${cellId}/execute`],
      ['POST', `/notebooks/${uuid}/execute_all`],
      ['POST', `/notebooks/${uuid}/restart_kernel_and_execute_all`],
      ['POST', `/notebooks/${uuid}/input`, { value: CODE }],
      ['PATCH', `/notebooks/${uuid}/change_working_directory?directory=.`],
      ['GET', `/notebooks/${uuid}/vars`],
      ['GET', `/notebooks/${uuid}/vars/${encodeURIComponent(`x", 0, 0); ${CODE}; ("`)}`],
      ['POST', `/notebooks/${uuid}/vars/x`, { sort_by: [CODE] }],
      ['POST', '/kernels', { name: 'python3' }],
      ['POST', `/kernels/${uuid}/execute`, { code: CODE }],
    ];
    for (const [method, path, body] of routes) {
      const res = await d1.request(method, path, { auth, body });
      expect(`${method} ${path}: ${res.status}`).toBe(`${method} ${path}: 403`);
      expect(res.json).toEqual({
        error: 'FORBIDDEN',
        reason: 'Inadequate permissions',
        detail: expect.anything(),
      });
    }
    const witness = await new WsRecorder(url(), { token: writer }).ready();
    await roundTrip(witness, 'after-rest');
    expect(owned(d1.rootDir)).toEqual([]);
    expect(existsSync(join(d1.rootDir, 'owned.txt'))).toBe(false);
    witness.close();
  });

  it('history stays readable with a read-only token: it takes no input and runs nothing', async () => {
    const watcher = await new WsRecorder(url(), { token: readOnly }).ready();
    const res = await d1.request('POST', `/notebooks/${uuid}/history`, { auth: `Bearer ${readOnly}` });
    expect(res.status).toBe(200);
    await watcher.until((m) => m.some((x) => x.history_reply), 'the history_reply');
    expect(owned(d1.rootDir)).toEqual([]);
    watcher.close();
  });
});
