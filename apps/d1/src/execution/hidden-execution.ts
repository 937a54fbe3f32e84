import type { KernelHandle } from '@d1/kernel-relay';

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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the kernel did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([execution.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
  if (error) throw new Error(error);
  return out;
}
