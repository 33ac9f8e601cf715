"""Confine a query evaluator with the operating system, so that no query can reach out, whatever it says.

A SPARQL query is evaluated by pyoxigraph, which follows `SERVICE <url>` by opening a connection. The
guard (guard.py) refuses such queries by reading them, but reading can be fooled; the defences here
do not read the query at all. `confine()` is called by each evaluator process once its store is open
and its modules are imported, before it reads its first request:

- **seccomp** (libseccomp through pyseccomp): `socket`, `connect`, `bind`, `listen`, `accept`,
  `execve`, `fork`/`vfork`/`clone` of a new process, `ptrace` and namespace calls fail with EACCES; a
  file cannot be opened for writing. The evaluator talks to its server over the pipes it was started
  with, so it needs none of these.
- **Landlock** (where the kernel has it): the process may read only its store, the `--dist` folder and
  Python's own installation; every other file and folder is refused, and nothing may be written.
- **RLIMIT_DATA**: the memory budget. An allocation past it fails; the evaluator then dies and its
  server answers 503 and starts a fresh one.

`confine()` must run while the process has one thread: Landlock binds the thread that applies it
and the threads it starts later, not threads already running (the store's background threads
start when it opens, so evaluators open it afterwards). It refuses to run otherwise.

Each layer is independent; one the machine lacks is reported (`Confinement.missing`) and the others
still apply. Linux only: elsewhere only the memory limit applies.
"""

from __future__ import annotations

import errno
import os
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path

# syscalls the evaluator never needs; they fail with EACCES
DENIED = ("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "execve", "execveat",
          "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns", "mount",
          "umount2", "pivot_root", "chroot", "io_uring_setup", "userfaultfd", "bpf", "perf_event_open",
          "kexec_load", "init_module", "finit_module")
_CLONE_THREAD = 0x00010000
_WRITE_FLAGS = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC, os.O_APPEND)


@dataclass
class Confinement:
    applied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)    # "layer: why"


def confine(readable: list[Path], memory_bytes: int | None) -> Confinement:
    """Apply every layer this machine supports to the calling process (irreversibly)."""
    done = Confinement()
    threads = _threads()
    if threads > 1:        # Landlock binds the calling thread and those it starts later, not its siblings
        raise RuntimeError(f"confine() must run before the process starts threads ({threads} are running): "
                           "open the store after it")
    if memory_bytes:
        _limit_memory(memory_bytes)
        done.applied.append(f"memory {memory_bytes // 2**20:,} MB")
    if not sys.platform.startswith("linux"):
        done.missing.append("seccomp and Landlock: not Linux")
        return done
    for name, layer in (("seccomp", _seccomp), ("landlock", lambda: _landlock(readable))):
        try:
            layer()
        except Exception as exc:            # a kernel or library without it: the other layers still apply
            done.missing.append(f"{name}: {exc}")
        else:
            done.applied.append(name)
    return done


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _limit_memory(limit: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _seccomp() -> None:
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    deny = seccomp.ERRNO(errno.EACCES)
    for name in DENIED:
        try:
            rules.add_rule(deny, name)
        except OSError:                      # a syscall this architecture does not have
            continue
    # clone without CLONE_THREAD makes a process; clone3 hides its flags in memory, so it answers
    # ENOSYS and the C library falls back to clone
    rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _CLONE_THREAD, 0))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for call, flags_arg in (("open", 1), ("openat", 2)):
        for flag in _WRITE_FLAGS:
            rules.add_rule(deny, call, seccomp.Arg(flags_arg, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "openat2")    # its flags are in memory: use openat
    rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)                   # every thread, also those started earlier
    rules.load()


def _landlock(readable: list[Path]) -> None:
    from landlock import FSAccess, Ruleset, landlock_abi_version

    abi = landlock_abi_version()
    handled = FSAccess(0)
    for flag in FSAccess:
        # rights that later ABIs added make an older kernel refuse the whole ruleset
        newer = {"REFER": 2, "TRUNCATE": 3, "IOCTL_DEV": 5}.get(flag.name or "", 1)
        if abi >= newer:
            handled |= flag
    rules = Ruleset(restrict_rules=handled)
    read = FSAccess.READ_FILE | FSAccess.READ_DIR
    for paths, rights in ((readable, read), (_python_paths(), read | FSAccess.EXECUTE)):
        for path in sorted({p for p in paths if p.exists()}):
            # a file takes only the rights of a file; a folder's rights cover what is beneath it
            rules.allow(str(path), rules=rights if path.is_dir() else rights & (FSAccess.READ_FILE
                                                                                 | FSAccess.EXECUTE))
    rules.apply()


def _python_paths() -> set[Path]:
    """What the interpreter may still need to read: its installation, its packages, shared libraries."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix)}
    paths |= {Path(p) for p in sys.path if p and Path(p).is_dir()}
    paths |= {Path(p) for p in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib",
                                "/usr/share/zoneinfo", "/etc/ld.so.cache", "/proc/self")}
    return paths
