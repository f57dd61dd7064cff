"""Limits for a whole sandbox, not per process: a control group (cgroup) of its own when this machine lets
the grader make one, with a memory limit (which counts the pages of its tmpfs folders too) and a process
limit.

Resource limits (``prlimit``) hold per process: four forked children get four address spaces, and the
process limit of a user namespace's root binds nothing.  A cgroup holds for everything the sandbox starts.
Made by the grader (root, or a user with a delegated cgroup) under the kernel's cgroup file system: v1
(``/sys/fs/cgroup/memory`` and ``/sys/fs/cgroup/pids``) or v2 (a child of the grader's own cgroup whose
``cgroup.subtree_control`` enables ``memory`` and ``pids``).  Where neither can be made, :func:`available`
says so and the sandbox falls back to per-process limits plus size-limited tmpfs folders (sandbox.py).
"""

import os
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _v2_parent():
    """The grader's own v2 cgroup, if its children can have memory and pids limits."""
    try:
        line = next(l for l in Path("/proc/self/cgroup").read_text().splitlines() if l.startswith("0::"))
    except (OSError, StopIteration):
        return None
    parent = ROOT / line[3:].lstrip("/")
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    return parent if {"memory", "pids"} <= set(enabled) and os.access(parent, os.W_OK) else None


def _layout():
    """{"memory": folder, "pids": folder} where this process may make cgroups, or None."""
    if (ROOT / "cgroup.controllers").is_file():
        parent = _v2_parent()
        return {"memory": parent, "pids": parent} if parent else None
    folders = {name: ROOT / name for name in ("memory", "pids")}
    if all((f / "cgroup.procs").is_file() and os.access(f, os.W_OK) for f in folders.values()):
        return folders
    return None


class Cgroup:
    """One sandbox's cgroup (one folder per controller on v1, one on v2): ``enter_files`` are the
    ``cgroup.procs`` files the sandbox's first process writes its pid to before it starts anything."""

    def __init__(self, memory_bytes, max_processes):
        layout = _layout()
        if layout is None:
            raise OSError("no cgroup can be made here")
        name = f"course-sandbox-{uuid.uuid4().hex}"
        self.folders = sorted({Path(parent) / name for parent in layout.values()})
        for folder in self.folders:
            folder.mkdir(mode=0o755)
        v2 = len(self.folders) == 1 and (ROOT / "cgroup.controllers").is_file()
        memory, pids = (self.folders[0], self.folders[0]) if v2 else (layout["memory"] / name, layout["pids"] / name)
        self._write(memory / ("memory.max" if v2 else "memory.limit_in_bytes"), str(int(memory_bytes)))
        if v2:
            self._write(memory / "memory.swap.max", "0", optional=True)
        else:
            self._write(memory / "memory.memsw.limit_in_bytes", str(int(memory_bytes)), optional=True)
        self._write(pids / "pids.max", str(int(max_processes)))
        self.memory, self.pids, self.v2 = memory, pids, v2

    @staticmethod
    def _write(path, value, optional=False):
        try:
            path.write_text(value)
        except OSError:
            if not optional:
                raise

    @property
    def enter_files(self):
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def peak_memory(self):
        """The most memory the sandbox used at once, in bytes (None where the kernel does not say)."""
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            try:
                return int((self.memory / name).read_text())
            except (OSError, ValueError):
                continue
        return None

    def out_of_memory(self):
        """Did the memory limit kill a process of the sandbox?"""
        try:
            name = "memory.events" if self.v2 else "memory.oom_control"
            events = dict(line.split() for line in (self.memory / name).read_text().splitlines())
            return int(events.get("oom_kill", 0)) > 0
        except (OSError, ValueError):
            return False

    def remove(self):
        """Kill whatever is left in it and remove it."""
        import signal
        import time

        for attempt in range(50):
            left = set()
            for folder in self.folders:
                try:
                    left |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
                except OSError:
                    pass
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                for folder in self.folders:
                    if folder.exists():
                        folder.rmdir()
                return
            except OSError:
                time.sleep(0.05)


def available():
    """Can this process make a sandbox's cgroup (memory and process limits for the whole sandbox)?"""
    try:
        Cgroup(2**30, 64).remove()
        return True
    except OSError:
        return False


def enter_prefix(cgroup):
    """A command prefix that moves the sandbox's first process into ``cgroup`` before it runs anything
    (so every process the sandbox starts is in it), then executes the rest of the command line."""
    if cgroup is None:
        return []
    files = cgroup.enter_files
    script = "".join(f'echo $$ > "${i + 1}" && ' for i in range(len(files)))
    return ["/bin/sh", "-c", script + f'shift {len(files)} && exec "$@"', "enter-cgroup", *files]
