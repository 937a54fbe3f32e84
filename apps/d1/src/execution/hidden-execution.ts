import { type KernelHandle, withTimeout } from '@d1/kernel-relay';

/** Runs code the user never sees (no history, no stdin) and resolves with what it printed to stdout. */
export async function runHidden(
  kernel: KernelHandle,
  code: string,
  timeoutMs = 30_000,
  onSent?: (msgId: string) => void,
): Promise<string> {
  let out = '';
  let error: string | null = null;
  const execution = kernel.execute(
    code,
    { silent: true, storeHistory: false, allowStdin: false, stopOnError: false },
    (m) => {
      if (m.header.msg_type === 'stream' && m.content.name === 'stdout') out += String(m.content.text ?? '');
      if (m.header.msg_type === 'error') error = `${String(m.content.ename)}: ${String(m.content.evalue)}`;
    },
  );
  onSent?.(execution.msgId);
  await withTimeout(execution.done, timeoutMs, 'the kernel did not answer');
  if (error) throw new Error(error);
  return out;
}

/** The JSON value d1's helper code prints as the last line of its output; throws when it is not JSON. */
export function parseLastLine<T>(out: string): T {
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}
