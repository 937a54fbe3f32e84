import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { RelayError, RequestLost } from './errors';

/**
 * The shell requests a kernel connection has sent and still waits on (reply and idle status), and their
 * reconciliation after a lost connection. The kernel handles shell requests one at a time, in order: once a
 * request sent later is answered, every earlier one still waiting lost its reply or idle and is ended.
 */
export class InFlight {
  private readonly lose = new Map<string, () => void>();
  private reconciling: { outage: number; result: Promise<number>; probe: Kernel.IShellFuture } | null = null;

  /**
   * The future's completion (reply and idle), listed as in flight until then. Ended by a reconciliation, it
   * rejects with RequestLost carrying `reply()`, and services stop routing the request's late messages.
   */
  track(
    future: Kernel.IShellFuture,
    reply: () => Record<string, unknown> | null,
    cleanup: () => void = () => undefined,
  ): Promise<KernelMessage.IMessage> {
    const msgId = future.msg.header.msg_id;
    return new Promise<KernelMessage.IMessage>((resolve, reject) => {
      const finish = (): void => {
        this.lose.delete(msgId);
        cleanup();
      };
      future.done.then(
        (msg) => {
          finish();
          resolve(msg as KernelMessage.IMessage);
        },
        (err: unknown) => {
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
      this.lose.set(msgId, () => {
        finish();
        reject(new RequestLost(msgId, reply()));
        future.dispose();
      });
    });
  }

  /**
   * After outage number `outage`: sends `probe()` (a kernel_info_request) and, once it is answered in full,
   * ends every request that was waiting when it was sent. Resolves with how many were ended. Calls for the
   * same outage share one reconciliation; a later outage supersedes an earlier one still waiting (its probe
   * may be lost too), which rejects.
   */
  reconcile(outage: number, probe: () => Kernel.IShellFuture): Promise<number> {
    if (this.reconciling?.outage === outage) return this.reconciling.result;
    this.reconciling?.probe.dispose();
    const earlier = [...this.lose.entries()];
    const future = probe();
    const result = future.done.then(
      () => this.loseStill(earlier),
      () => {
        throw new RelayError('lost', 'reconciliation superseded by a later outage, or the kernel is gone');
      },
    );
    this.reconciling = { outage, result, probe: future };
    return result;
  }

  /** How many requests wait. */
  get size(): number {
    return this.lose.size;
  }

  private loseStill(earlier: Array<[string, () => void]>): number {
    let lost = 0;
    for (const [msgId, lose] of earlier) {
      if (this.lose.get(msgId) !== lose) continue;
      lose();
      lost++;
    }
    return lost;
  }
}
