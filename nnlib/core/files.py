"""Files the course writes and reads: atomic writes, and archives checked before they are read.

* ``atomic_write(dest)``: a file appears complete or not at all (a crash, Ctrl-C or even SIGKILL
  leaves ``dest`` as it was and no temporary file behind), with the permissions the umask gives.
* ``npz_member(z, key, source)``: one array of an ``.npz`` archive, read only after its header
  says it fits the memory budget and the archive (so a hostile file cannot make numpy allocate
  many GB).
* ``DataFileError``: a file that exists but is not what the course expects; the message names it.

Only the standard library and numpy: saving a network needs this module, and importing it must not
load the network, subprocess or progress-bar modules that fetching MNIST needs.
"""

import hashlib
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from . import checks

__all__ = ["DataFileError", "atomic_write", "npz_member", "sha256sum"]


class DataFileError(ValueError):
    """A data file exists but is not what the course expects (corrupt, truncated, foreign)."""


# --------------------------------------------------------------------------------------------------
# Writing files safely

def sha256sum(path, chunk_size=1 << 20):
    """Hex sha256 of a file, read in chunks (the MNIST file is 17 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Linux: temporary files without a name (O_TMPFILE), linked into place when complete
USE_O_TMPFILE = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


def _umask():
    """The process's umask, read without changing it where Linux shows it (/proc), else by the
    classic set-and-restore."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _remove_stale_parts(dest):
    """Remove ``.<name>.<pid>.*.part`` files beside `dest` left by a killed writer (its pid is gone)."""
    for part in dest.parent.glob(f".{dest.name}.*.part"):
        pid = part.name[len(dest.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            try:
                part.unlink()
            except OSError:
                pass


def _link_anonymous(fd, named):
    """Give the O_TMPFILE file `fd` the name `named`: linkat(..., AT_SYMLINK_FOLLOW) on its
    /proc/self/fd link (Python's os.link would link the /proc symlink itself); a copy if that fails."""
    src = f"/proc/self/fd/{fd}"
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(-100, os.fsencode(src), -100, os.fsencode(named), 0x400) == 0:
            return                                # AT_FDCWD = -100, AT_SYMLINK_FOLLOW = 0x400
    except (OSError, AttributeError):
        pass
    shutil.copyfile(src, named)


@contextmanager
def atomic_write(dest):
    """Yield a temporary path in `dest`'s folder; it becomes `dest` only if the block finishes.

    A crash, a KeyboardInterrupt or a failed check inside the block leaves `dest` untouched and
    leaves no temporary file.  On Linux the temporary file has no name at all (``O_TMPFILE``; the
    yielded path is ``/proc/self/fd/N``) and is linked into the folder only once complete, so even
    SIGKILL cannot leave a partial file behind (only a kill in the microseconds between naming the
    complete file and renaming it could).  Elsewhere it is ``.<name>.<pid>.XXXX.part``.  Either
    kind of leftover is removed by the next ``atomic_write`` to `dest` once its process is gone.  The file gets the
    permissions the user's umask gives a new file (0644 with umask 022).
    """
    dest = Path(dest)
    folder = dest.parent
    fd, tmp = None, None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(dest)
        if USE_O_TMPFILE:
            try:
                fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)  # the umask applies
            except OSError:
                fd = None  # a file system without O_TMPFILE: the named fallback below
        if fd is None:
            fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.{os.getpid()}.", suffix=".part",
                                       dir=folder)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
    except OSError as exc:
        raise PermissionError(f"cannot write to the folder {folder} ({exc.strerror or exc}); "
                              f"expected a writable folder for {dest.name}") from exc
    try:
        if tmp is None:
            yield Path(f"/proc/self/fd/{fd}")
            # give the finished file a (hidden) name, then rename it over dest in one step
            named = folder / f".{dest.name}.{os.getpid()}.{os.urandom(4).hex()}.part"
            try:
                _link_anonymous(fd, named)
                os.replace(named, dest)
            except BaseException:
                try:
                    os.unlink(named)
                except FileNotFoundError:
                    pass
                raise
        else:
            os.close(fd)
            fd = None
            yield Path(tmp)
            os.replace(tmp, dest)
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise
    finally:
        if fd is not None:
            os.close(fd)


# --------------------------------------------------------------------------------------------------
# Reading archives

def npz_member(z, key, source):
    """``z[key]`` of an open ``np.load`` archive, after reading the array's header: an array that
    claims more than ``nnlib.core.checks.MAX_BYTES``, or more bytes than the archive holds for it, raises
    :class:`DataFileError` naming `source` before anything is allocated."""
    info = z.zip.getinfo(key + ".npy")
    with z.zip.open(info) as member:
        version = np.lib.format.read_magic(member)
        readers = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}
        if version in readers:
            shape, _, dtype = readers[version](member)
        else:
            shape, _, dtype = np.lib.format._read_array_header(member, version)
    n_bytes = math.prod(int(n) for n in shape) * dtype.itemsize
    if n_bytes > checks.MAX_BYTES:
        raise DataFileError(f"{source}: the array {key} claims shape {tuple(shape)} of {dtype} "
                            f"({n_bytes / 1e9:.3g} GB, above the limit of "
                            f"{checks.MAX_BYTES / 1e9:.3g} GB, nnlib.core.checks.MAX_BYTES); "
                            "expected a course data file")
    if n_bytes > info.file_size:
        raise DataFileError(f"{source}: the array {key} claims shape {tuple(shape)} of {dtype} "
                            f"({n_bytes} bytes) but the file holds {info.file_size} bytes for it "
                            "(truncated or corrupt)")
    return z[key]
