import type { KernelMessage } from '@jupyterlab/services';

/** Channels a kernel message can travel on. */
export type Channel = 'shell' | 'iopub' | 'stdin' | 'control' | 'hb';

/** Kernel execution states as d1 reports them. */
export type KernelState = 'starting' | 'idle' | 'busy' | 'restarting' | 'dead' | 'unknown';

/** A kernel message in plain JSON form, as d1 relays it (Jupyter wire shape plus its channel). */
export interface RelayMessage {
  channel: Channel;
  header: {
    msg_id: string;
    msg_type: string;
    session?: string;
    date?: string;
    username?: string;
    version?: string;
  };
  parent_header: { msg_id?: string; msg_type?: string } & Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers?: unknown[];
}

/** Content of an `execute_reply`. */
export interface ExecuteReply {
  status: 'ok' | 'error' | 'aborted';
  execution_count: number | null;
  payload?: Array<Record<string, unknown>>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [key: string]: unknown;
}

/** Options for one `execute_request`. */
export interface ExecuteOptions {
  /** Use this msg_id for the request (lets a queue hand out the id before the request is sent). */
  msgId?: string;
  silent?: boolean;
  storeHistory?: boolean;
  allowStdin?: boolean;
  stopOnError?: boolean;
}

/** Turns a services message into the plain JSON shape d1 relays (buffers dropped: not JSON). */
export function toRelayMessage(msg: KernelMessage.IMessage): RelayMessage {
  return {
    channel: msg.channel as Channel,
    header: msg.header as RelayMessage['header'],
    parent_header: (msg.parent_header ?? {}) as RelayMessage['parent_header'],
    metadata: (msg.metadata ?? {}) as Record<string, unknown>,
    content: (msg.content ?? {}) as unknown as Record<string, unknown>,
  };
}

/** The msg_id of the request a message answers, if any. */
export function parentId(msg: RelayMessage): string | undefined {
  return msg.parent_header?.msg_id;
}

/** Maps services' status names onto d1's. */
export function toKernelState(status: string): KernelState {
  switch (status) {
    case 'idle':
    case 'busy':
    case 'starting':
    case 'dead':
    case 'restarting':
      return status;
    case 'autorestarting':
      return 'restarting';
    default:
      return 'unknown';
  }
}
