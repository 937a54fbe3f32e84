import {
  KernelHandle,
  KernelModelInfo,
  KernelRelay,
  KernelSpecInfo,
  RelayError,
  RelayOptions,
  StartOptions,
} from '@d1/kernel-relay';

/** Pauses between attempts when the gateway cannot be reached: a restart or a network blip is often brief. */
const RETRY_PAUSES_MS = [100, 300, 600];

/** An outage already reported (and retried) once, so nested calls (attach -> model) do not retry again. */
class GatewayUnavailable extends RelayError {}

function unreachable(err: unknown): boolean {
  return (
    err instanceof RelayError &&
    !(err instanceof GatewayUnavailable) &&
    err.kind === 'unavailable' &&
    /unreachable/.test(err.message)
  );
}

/**
 * A relay to a remote kernel service (Jupyter Server, Kernel or Enterprise Gateway): calls that could not
 * reach it are tried again, and a failure names the gateway so a 503 tells the user where to look.
 */
export class GatewayRelay extends KernelRelay {
  /** Set when a call failed because the gateway was unreachable; cleared by whoever handles the outage. */
  lostContact = false;

  constructor(opts: RelayOptions) {
    super(opts);
  }

  /** A probe: no retries, but the error names the gateway. */
  override ping(): Promise<string> {
    return this.named(() => super.ping());
  }

  override specs(): Promise<{ default: string; kernelspecs: Record<string, KernelSpecInfo> }> {
    return this.retry(() => super.specs());
  }

  override list(): Promise<KernelModelInfo[]> {
    return this.retry(() => super.list());
  }

  override model(id: string): Promise<KernelModelInfo> {
    return this.retry(() => super.model(id));
  }

  /** Starting is safe to retry: a refused connection never reached the gateway. */
  override start(name: string, opts?: StartOptions): Promise<KernelHandle> {
    return this.retry(() => super.start(name, opts));
  }

  override attach(id: string): Promise<KernelHandle> {
    return this.retry(() => super.attach(id));
  }

  override shutdown(id: string): Promise<void> {
    return this.retry(() => super.shutdown(id));
  }

  override restart(id: string): Promise<void> {
    return this.retry(() => super.restart(id));
  }

  override interrupt(id: string): Promise<void> {
    return this.retry(() => super.interrupt(id));
  }

  private async retry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const pause = RETRY_PAUSES_MS[attempt];
        if (!unreachable(err) || pause === undefined) throw this.rename(err);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private async named<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.rename(err);
    }
  }

  private rename(err: unknown): unknown {
    if (!(err instanceof RelayError) || err.kind !== 'unavailable' || err instanceof GatewayUnavailable)
      return err;
    if (unreachable(err)) this.lostContact = true;
    return new GatewayUnavailable('unavailable', `kernel gateway ${this.baseUrl}: ${err.message}`);
  }
}
