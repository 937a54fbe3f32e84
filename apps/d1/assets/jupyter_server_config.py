# Configuration d1 passes to the Jupyter Server it starts (via --config).
#
# Jupyter Server 1.x never disables Nagle's algorithm on its kernel websockets. Every execution is several
# small writes, so each round trip waits ~40 ms for the client's delayed ACK. Turning on TCP_NODELAY when
# the websocket opens brings a `1+1` round trip from ~48 ms down to ~9 ms.
from jupyter_server.services.kernels.handlers import ZMQChannelsHandler

_original_open = ZMQChannelsHandler.open


def _open_with_nodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return _original_open(self, *args, **kwargs)


ZMQChannelsHandler.open = _open_with_nodelay

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

# d1 applies its own output caps; Jupyter Server's rate limits would silently drop output instead.
c.ServerApp.iopub_msg_rate_limit = 0
c.ServerApp.iopub_data_rate_limit = 0

# Notice a killed kernel within a second rather than three.
c.KernelRestarter.time_to_dead = 1.0

# If d1 is killed outright (SIGKILL) it cannot stop this server; the server notices its parent is gone and
# stops itself, shutting its kernels down, so no orphans outlive d1.
import os as _os
import signal as _signal
import threading as _threading
import time as _time


def _exit_with_parent(parent):
    while True:
        _time.sleep(1.0)
        if _os.getppid() != parent:
            _os.kill(_os.getpid(), _signal.SIGTERM)
            return


if _os.environ.get("D1_EXIT_WITH_PARENT") == "1":
    _threading.Thread(target=_exit_with_parent, args=(_os.getppid(),), daemon=True).start()
