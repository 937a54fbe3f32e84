import type { FastifyReply } from 'fastify';
import type { RelayMessage } from '@d1/kernel-relay';
import { toD1Error } from '../common/error-json';

/** One NDJSON line of a streamed execution: the kernel message with its type and ids lifted to the top. */
function line(msg: RelayMessage): string {
  return (
    JSON.stringify({
      channel: msg.channel,
      msg_type: msg.header.msg_type,
      msg_id: msg.header.msg_id,
      parent_msg_id: msg.parent_header?.msg_id ?? null,
      header: msg.header,
      parent_header: msg.parent_header,
      metadata: msg.metadata,
      content: msg.content,
    }) + '\n'
  );
}

/**
 * Streams kernel messages as application/x-ndjson while `run` executes; a failure after the stream began
 * ends it with one `{"msg_type": "d1_error", ...}` line, since the status code is already sent.
 */
export async function streamNdjson(
  reply: FastifyReply,
  run: (emit: (msg: RelayMessage) => void) => Promise<void>,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  raw.flushHeaders();
  const write = (text: string): void => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(text);
  };
  try {
    await run((msg) => write(line(msg)));
  } catch (err) {
    const e = toD1Error(err);
    const reason = e?.reason ?? 'The execution failed';
    write(
      JSON.stringify({
        channel: 'd1',
        msg_type: 'd1_error',
        content: { error: e?.code ?? 'INTERNAL_ERROR', reason },
      }) + '\n',
    );
  } finally {
    if (!raw.writableEnded) raw.end();
  }
}
