"""Writing files so that nobody ever sees half of one, and so that they look like files the user made.

A file is written to a temporary file in its own folder and renamed over the target (readers see the old
file or the new one). mkstemp creates its file readable by the owner only; the rename would carry that mode
over, so the temporary file is first given the mode the target already has, or, for a new file, the mode
the user's umask gives new files (0644 under the usual umask 022). Errors name the file the user asked
for, never the temporary one.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
from pathlib import Path

from tpbc_kg.load import InputError

_UMASK_LOCK = threading.Lock()


class WriteError(InputError):
    """A file that cannot be written: the message names the user's path and says what to do (exit 2)."""


def current_umask() -> int:
    """The process umask (os.umask can only be read by setting it, so set it back at once)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def mode_for(path: Path) -> int:
    """The permission bits a replacement of path should get: its own, or the umask's for a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


_ADVICE = {
    errno.EACCES: "permission denied: choose a folder you can write to, or change its permissions",
    errno.EPERM: "permission denied: choose a folder you can write to, or change its permissions",
    errno.EROFS: "the file system is read-only: choose another folder",
    errno.ENOSPC: "no space left on the device: free some space or choose another disk",
    errno.EDQUOT: "disk quota exceeded: free some space or choose another disk",
    errno.ENOENT: "the folder does not exist: create it or choose another path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another path",
    errno.EISDIR: "that path is a folder: give a file name",
}


def explain(error: OSError, path: Path) -> WriteError:
    """The OSError of a write, retold about the path the user gave (not a temporary file)."""
    advice = _ADVICE.get(error.errno or 0, f"{error.strerror or error}: choose another path")
    return WriteError(path, f"cannot write the file: {advice}")


def write_temp(path: Path, data: bytes) -> Path:
    """A temporary sibling of path holding data, flushed to disk, with the mode path should end up with."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise WriteError(path, "cannot write the file: that path is a folder: give a file name")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise explain(error, path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode_for(path))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        Path(name).unlink(missing_ok=True)
        raise explain(error, path) from None
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write text (UTF-8) or bytes to path so that readers see the old file or the new one."""
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    temp = write_temp(path, data)
    try:
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise explain(error, path) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
