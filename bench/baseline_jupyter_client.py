"""Baseline for d1's benchmarks: the same work straight to an ipykernel over ZMQ with jupyter_client.

usage: baseline_jupyter_client.py roundtrip N WARMUP CODE   -> {"samples_ms": [...]}
       baseline_jupyter_client.py flood REPEATS CODE        -> {"samples_ms": [...], "messages": [...]}
       baseline_jupyter_client.py serve CODE                -> "ready", then per stdin line one sample (ms)

`serve` keeps one kernel for the whole run so a caller can interleave its rounds with other paths: each line
read on stdin runs CODE once and answers with that run's milliseconds; EOF ends it.

Each sample is the time from sending execute_request until both its execute_reply (shell) and its iopub
`idle` status arrived, the same completion rule d1 and @jupyterlab/services use.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def run_once(kc, code):
    """Executes code; returns (milliseconds until reply and idle, iopub messages seen)."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    messages = 0
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages += 1
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    # The reply usually came before idle and waits in the shell socket; reading it now costs nothing.
    while kc.get_shell_msg(timeout=120)["parent_header"].get("msg_id") != msg_id:
        pass
    return (time.perf_counter() - t0) * 1000.0, messages


def serve(kc, code):
    """One run of code per line on stdin, its time on stdout; the pipe itself is outside the timing."""
    print("ready", flush=True)
    for _ in sys.stdin:
        print(repr(run_once(kc, code)[0]), flush=True)


def main():
    mode = sys.argv[1]
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        if mode == "roundtrip":
            n, warmup, code = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
            for _ in range(warmup):
                run_once(kc, code)
            samples = [run_once(kc, code)[0] for _ in range(n)]
            print(json.dumps({"samples_ms": samples}))
        elif mode == "serve":
            serve(kc, sys.argv[2])
        elif mode == "flood":
            repeats, code = int(sys.argv[2]), sys.argv[3]
            run_once(kc, "1+1")
            runs = [run_once(kc, code) for _ in range(repeats)]
            print(json.dumps({"samples_ms": [r[0] for r in runs], "messages": [r[1] for r in runs]}))
        else:
            raise SystemExit("unknown mode " + mode)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
