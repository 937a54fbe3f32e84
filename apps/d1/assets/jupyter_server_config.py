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

# d1 proxies this server at /proxy/jupyter/ behind its own auth and reaches it with a token only d1 holds. Two
# things in Jupyter Server 1.23 would let its credentials or the files around the root dir out anyway:
#
# - A token-authenticated request gets a 30-day login cookie (`username-127-0-0-1-<port>`) that alone opens
#   every API and kernel websocket on the loopback port. This server sets no cookie and accepts none: only the
#   token (header or `?token=`) authenticates, so a cookie obtained any other way opens nothing. Its HTML
#   pages no longer carry the token either.
# - The contents API and `/files/` follow symlinks out of the root dir. Every path whose real path leaves it is
#   refused here (404, as Jupyter answers for `..`), for reading, writing, renaming, copying, checkpoints and
#   listings, and kernels never start in such a directory.
import errno as _errno
import os as _os

from jupyter_server.auth.login import LoginHandler
from jupyter_server.base.handlers import AuthenticatedFileHandler, JupyterHandler
from jupyter_server.services.contents.filecheckpoints import FileCheckpoints
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web as _web
from traitlets import default as _default


class TokenOnlyLoginHandler(LoginHandler):
    """Authenticates with the token alone: no login cookie is set, and none is accepted."""

    @classmethod
    def set_login_cookie(cls, handler, user_id=None):
        return None

    @classmethod
    def get_user(cls, handler):
        if getattr(handler, "_user_id", None):
            return handler._user_id
        user_id = cls.get_user_token(handler)
        # Token-authenticated requests skip the xsrf and origin checks, as with the stock handler.
        handler._token_authenticated = user_id is not None
        handler._user_id = user_id
        return user_id


# Every page the server renders (its 404 page among them) writes its token into the HTML for its own scripts;
# none of those pages is of use behind d1, so they render without it.
_template_namespace = JupyterHandler.template_namespace


def _namespace_without_token(self):
    return {**_template_namespace.fget(self), "token": ""}


JupyterHandler.template_namespace = property(_namespace_without_token)


def _inside(root, os_path):
    real_root = _os.path.realpath(root)
    real = _os.path.realpath(os_path)
    return real == real_root or real.startswith(real_root + _os.sep)


class OutsideRoot(_web.HTTPError, PermissionError):
    """404 for a client. Also an EACCES OSError, which Jupyter's directory listing skips silently: a link
    leading out of the root dir is left out of its directory's listing instead of failing the listing."""

    def __init__(self, path):
        _web.HTTPError.__init__(self, 404, f"{path} is outside root contents directory")
        self.errno = _errno.EACCES


class _ConfinedPaths:
    """Every API path becomes an OS path through _get_os_path; refuse those whose real path leaves the root.
    realpath also resolves a path that does not exist yet through its existing parents (a new file in a
    linked directory) and follows dangling links."""

    def _get_os_path(self, path):
        os_path = super()._get_os_path(path)
        if not _inside(self.root_dir, os_path):
            raise OutsideRoot(path)
        return os_path


class ConfinedCheckpoints(_ConfinedPaths, FileCheckpoints):
    """Checkpoints live beside their file; never create a checkpoint directory outside the root."""


class ConfinedFileHandler(AuthenticatedFileHandler):
    """/files/ is a StaticFileHandler, which checks the absolute path but not where its links lead."""

    def validate_absolute_path(self, root, absolute_path):
        path = super().validate_absolute_path(root, absolute_path)
        if not _inside(root, path):
            raise _web.HTTPError(404)
        return path


class ConfinedContentsManager(_ConfinedPaths, LargeFileManager):
    """The default contents manager, confined to the real root dir."""

    @_default("checkpoints_class")
    def _confined_checkpoints_class(self):
        return ConfinedCheckpoints

    @_default("files_handler_class")
    def _confined_files_handler_class(self):
        return ConfinedFileHandler


class ConfinedKernelManager(AsyncMappingKernelManager):
    """A kernel asked to start in a directory that leads out of the root dir starts in the root dir."""

    def cwd_for_path(self, path, **kwargs):
        cwd = super().cwd_for_path(path, **kwargs)
        return cwd if _inside(self.root_dir, cwd) else self.root_dir


c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

c.ServerApp.login_handler_class = TokenOnlyLoginHandler
c.ServerApp.contents_manager_class = ConfinedContentsManager
c.ServerApp.kernel_manager_class = ConfinedKernelManager
# Deleting sends nothing to the user's trash, outside the root dir; d1's other surfaces delete for good too.
c.FileContentsManager.delete_to_trash = False

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
