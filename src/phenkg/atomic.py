"""Atomic writes: of one file, and of a directory as a set, with the lock that keeps two writers of
one directory apart. The only place in phenkg that renames into place (store.py's `write_atomic` is
the one copy left; it is being changed elsewhere).

One file: written to a temporary sibling `.{name}.{pid}.{random}.tmp`, renamed over the target on
success. A killed writer leaves its temporary file; the next write of the same target removes those
whose process is gone.

A directory (`replacing_dir`): the new set is written into a staging sibling `.{name}.build-*` in the
same parent, so renames stay on one file system, then swapped in with one `renameat2(RENAME_EXCHANGE)`
on Linux: the target is the whole old set or the whole new one at every instant, and the old set is
removed from the staging name afterwards. Where the exchange is not available, the staging directory
is renamed to `.{name}.ready` (complete), the target to `.{name}.old`, `.ready` to the target, and
`.old` removed; `recover` finishes or undoes that if it was cut short (target missing: `.ready`, else
`.old`, becomes the target). Leftovers of killed writers are removed by the next one. The swap
guards against a killed process, not a power cut (nothing is fsynced: that would put writing GBs to
disk on the build's critical path).

The lock is `flock` on `.{name}.lock` beside the target (never inside it: the target is swapped). A
second writer is refused at once with the holder's pid rather than kept waiting: a build takes
minutes, and a script should not hang on a forgotten one. The kernel drops the lock when its holder
dies, however it dies; the lock file itself stays.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from phenkg.errors import BusyError, PhenkgError

if sys.platform != "win32":  # not POSIX: no lock (the swap is still atomic)
    import fcntl

AT_FDCWD = -100
RENAME_EXCHANGE = 2


# -- one file -------------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_output(output: str | Path) -> Iterator[IO[bytes]]:
    """A binary stream for `output`: '-' is standard output, else a temporary file renamed on success."""
    if str(output) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            yield out
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` (text as UTF-8) to `path` atomically."""
    with atomic_output(path) as out:
        out.write(data.encode() if isinstance(data, str) else data)


def _remove_stale_temporaries(path: Path) -> None:
    """Remove `.{name}.{pid}.*.tmp` siblings left by writers of `path` that are no longer running."""
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            pid = entry.name[len(prefix):].split(".", 1)[0]
            if pid.isdigit() and not _running(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- a directory as a set -------------------------------------------------------------------------
def _sibling(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}")


@contextlib.contextmanager
def replacing_dir(out_dir: Path, owns: Callable[[str], bool]) -> Iterator[Path]:
    """Lock `out_dir`, then yield an empty staging directory beside it; when the block succeeds the
    staging directory becomes `out_dir` in one step, when it fails it is removed and `out_dir` is as
    it was. `owns(name)` says whether a file in an existing `out_dir` is one the new set replaces:
    anything else there (someone's README, or `--out .`) refuses the write before it starts."""
    target = Path(os.path.realpath(out_dir))  # a symlinked dist/ stays a symlink; its directory is swapped
    _check_replaceable(target, owns, shown=Path(out_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target):
        _recover_locked(target)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.build-{os.getpid()}-"))
        try:
            os.chmod(staging, target.stat().st_mode & 0o7777 if target.is_dir() else 0o777 & ~_umask())
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _swap_in(staging, target)


def _check_replaceable(target: Path, owns: Callable[[str], bool], shown: Path) -> None:
    cwd = Path(os.path.realpath(Path.cwd()))
    if target == cwd or target in cwd.parents or target.parent == target:
        raise PhenkgError("a build replaces its whole output directory, and this one holds the working "
                          "directory", path=str(shown), hint="choose an output directory of its own, e.g. --out dist")
    if target.exists() and not target.is_dir():
        raise PhenkgError("not a directory", path=str(shown), hint="choose a directory for the output")
    foreign = sorted(name for name in os.listdir(target) if not owns(name)) if target.is_dir() else []
    if foreign:
        listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise PhenkgError(f"holds files a build does not write ({listed}); a build replaces the whole "
                          "directory, so nothing was written", path=str(shown),
                          hint="move those files elsewhere, or choose another --out directory")


def _swap_in(staging: Path, target: Path) -> None:
    """Make the complete `staging` directory `target` and remove the old set. Interrupted anywhere
    (an error, or SIGTERM's exception between two renames), `_recover_locked` leaves a whole set."""
    try:
        if not target.exists():
            os.rename(staging, target)
        elif exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # now the old set
        else:
            ready, old = _sibling(target, "ready"), _sibling(target, "old")
            os.rename(staging, ready)
            os.rename(target, old)
            os.rename(ready, target)
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            _recover_locked(target)
        if isinstance(exc, OSError):
            raise PhenkgError(f"cannot put the new build in place: {exc.strerror}", path=str(target),
                              hint="the previous build is unchanged; check the directory's permissions") from exc
        raise


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:  # C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the kernel or file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def recover(out_dir: Path) -> None:
    """For a reader: if a swap on a system without exchange was cut short, put a whole set back at
    `out_dir`. Does nothing while a writer holds the lock (it does this itself)."""
    target = Path(os.path.realpath(out_dir))
    if target.is_dir() and not _sibling(target, "ready").exists() and not _sibling(target, "old").exists():
        return  # nothing to recover (and a reader of a read-only directory never needs the lock)
    with contextlib.suppress(PhenkgError, OSError), locked(target):
        _recover_locked(target)


def _recover_locked(target: Path) -> None:
    """With the lock held: bring back a whole set if a fallback swap was cut short, then remove what
    killed writers left beside the target (staging directories, a discarded set)."""
    ready, old = _sibling(target, "ready"), _sibling(target, "old")
    if not target.exists():
        for whole in (ready, old):  # `.ready` is complete and newer; `.old` is the previous set
            if whole.is_dir():
                os.rename(whole, target)
                break
    prefix = f".{target.name}.build-"
    for entry in os.scandir(target.parent):
        if entry.name.startswith(prefix) or entry.name in (ready.name, old.name):
            shutil.rmtree(entry.path, ignore_errors=True)


@contextlib.contextmanager
def locked(target: Path) -> Iterator[None]:
    """Hold the advisory lock for writing `target`; BusyError naming the holder if another has it."""
    if sys.platform == "win32":
        yield
        return
    path = _sibling(target, "lock")
    try:      # never through a link: a planted `.dist.lock` symlink must not make us write its target
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise PhenkgError(f"cannot create the lock file: {exc.strerror}", path=str(path),
                          hint="the output directory's parent must be writable, and the lock file a plain file "
                               "(remove it if it is a link)") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_uid != os.getuid():
        os.close(fd)
        raise PhenkgError("the lock file is not a plain file of this user's", path=str(path),
                          hint="remove it; the next build creates it again")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            raise BusyError(f"another phenkg build (pid {pid or 'unknown'}) is writing this directory; "
                            "builds into one directory run one at a time", path=str(target),
                            hint="wait for it to finish and build again"
                                 + (f", or stop it: kill {pid}" if pid else "")) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # no stale pid for the next reader
    finally:
        os.close(fd)


def _holder(fd: int) -> str | None:
    """The holder's pid from the lock file (it writes it just after locking: wait a moment for it)."""
    for _ in range(20):
        pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
        if pid.isdigit():
            return pid
        time.sleep(0.01)
    return None


# -- child processes ------------------------------------------------------------------------------
def die_with_parent(parent: int) -> None:
    """In a child process: be killed when `parent` dies, however it dies (Linux PR_SET_PDEATHSIG;
    elsewhere the parent kills its children when it fails, and a SIGKILLed parent's pipes close)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
