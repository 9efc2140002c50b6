"""Limits per submission, not per process: processes and threads, memory, CPU time, bytes written.

The student's kernel runs in a bubblewrap sandbox (:mod:`tooling.grading.sandbox`) started by a
*launcher* that stays as its supervisor (:func:`supervise`). What holds, and how:

* **Processes and threads** — ``RLIMIT_NPROC``, enforced by the kernel at every ``fork`` and
  ``clone``. It counts the tasks of one user in one user namespace, so it is set *inside* the
  sandbox's new user namespace, after it is made (:data:`CONFINE`): each sandbox has its own count,
  and the instructor's own processes do not count. The kernel does not apply it to root, so when
  grading runs as root the sandbox's user namespace maps an unprivileged user (``nobody`` by
  default) as well as root: bubblewrap sets the sandbox up as root, then :data:`CONFINE` becomes
  that user before any student code runs. Beyond the cap, ``fork`` fails with ``EAGAIN`` and the
  notebook goes on.
* **Memory** — per process, ``RLIMIT_AS`` (the kernelspec's ``--memory``); for the sandbox as a
  whole, the supervisor samples the proportional set size (PSS) of all its processes every
  :data:`INTERVAL` seconds and stops the sandbox above the cap. Between two samples a submission
  can exceed it by what its processes allocate in that time, each within its own cap.
* **CPU time** — per process, ``RLIMIT_CPU`` (killed at the cap); for the sandbox as a whole, the
  supervisor adds up the CPU time of its processes, those that ended included, and stops it above
  the cap.
* **Bytes written** — files are capped by ``RLIMIT_FSIZE``; the sandbox's ``/tmp`` and working
  folder are in-memory file systems of a fixed size; the exchange folder it shares with the grader
  (on the grader's disk) is watched by the supervisor, which stops the sandbox above the cap
  (bytes, or number of files).

A sandbox stopped for a limit dies as a whole (its processes share a PID namespace that ends with
it): its notebook's later checks are not graded, as after a crash. cgroup v2 controllers are not
used: they need a delegated cgroup that most machines do not give a user (see
``book/instructors.md``, *Grading a large class*, for running the whole command inside one).

The grader passes the limits in the environment variable :data:`LIMITS_ENV` (JSON); the launcher
writes what happened to ``limits.json`` in the exchange folder, which the grader reports.
"""
from __future__ import annotations

import json
import os
import pwd
import subprocess
import time

LIMITS_ENV = "CALCIUM_SANDBOX_LIMITS"
NOTES_FILE = "limits.json"
INTERVAL = 0.2  # seconds between two samples of the supervisor
#: Defaults; ``SandboxedExecute`` passes its configuration (see ``nbgrader_config.py``).
DEFAULTS = {"processes": 256, "memory": "4G", "cpu_seconds": 1800, "written": "2G", "files": 10_000,
            "user": "nobody"}
#: Run first inside the sandbox: become the unprivileged user (when mapped), cap processes and
#: threads and CPU time, then start the real command. Only the standard library, no site.
CONFINE = """\
import os, resource, sys
tasks, cpu, uid, gid = (int(x) for x in sys.argv[1:5])
if uid >= 0:
    os.setgroups([]); os.setgid(gid); os.setuid(uid)
resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
os.execv(sys.argv[5], sys.argv[5:])
"""


def settings(raw: str | None = None) -> dict:
    """The limits: :data:`DEFAULTS` updated with the JSON in `raw` (or :data:`LIMITS_ENV`)."""
    from tooling.grading.sandbox import parse_size

    chosen = {**DEFAULTS, **json.loads(raw or os.environ.get(LIMITS_ENV) or "{}")}
    chosen["memory"], chosen["written"] = parse_size(chosen["memory"]), parse_size(chosen["written"])
    return chosen


def sandbox_user(name) -> tuple[int, int] | None:
    """``(uid, gid)`` the sandbox runs as when grading as root; None when not root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(str(name))
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        if str(name).isdigit():
            return int(name), int(name)
        raise ValueError(f"the sandbox user {name!r} does not exist (SandboxedExecute.sandbox_user)") from None


def confined(bwrap: list[str], command: list[str], limits: dict, python: str) -> tuple[list[str], tuple | None]:
    """The full command line of a confined sandbox, and the unprivileged ``(uid, gid)`` if any."""
    user = sandbox_user(limits["user"])
    uid, gid = user or (-1, -1)
    if user:  # root sets up the sandbox; CONFINE then switches to the mapped unprivileged user
        bwrap = [bwrap[0], "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", *bwrap[1:]]
    inner = [python, "-S", "-c", CONFINE, str(limits["processes"]), str(int(limits["cpu_seconds"])),
             str(uid), str(gid), *command]
    return [*bwrap, *inner], user


def prepare(user: tuple | None, paths: list[str]) -> None:
    """Give the unprivileged sandbox user the files it must use (connection file, its folder)."""
    if user:
        for path in paths:
            os.chown(path, *user)


def _read_info(fd: int) -> dict:
    data = b""
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
        try:
            return json.loads(data)
        except ValueError:
            continue
    return {}


def tree(root: int) -> list[int]:
    """`root` and its descendants (``/proc/PID/task/TID/children``)."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as file:
                    pending += [int(child) for child in file.read().split()]
        except OSError:
            continue
    return found


def usage(pids: list[int]) -> dict:
    """Tasks, resident bytes and CPU seconds (ended children included) of these processes."""
    ticks, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    total = {"tasks": 0, "rss": 0, "cpu": 0.0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total["cpu"] += sum(int(x) for x in fields[11:15]) / ticks
        total["tasks"] += int(fields[17])
        total["rss"] += int(fields[21]) * page
    return total


def pss(pids: list[int]) -> int:
    """Proportional set size of these processes together (shared pages counted once)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as file:
                total += next(int(line.split()[1]) * 1024 for line in file if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total


def written(folder: str, max_files: int) -> tuple[int, int]:
    """Bytes on disk and number of files under `folder` (counting stops past `max_files`)."""
    size = count = 0
    pending = [folder]
    while pending and count <= max_files:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            count += 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    size += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
    return size, count


class Notes:
    """What the supervisor reports to the grader, in the exchange folder (never in the sandbox)."""

    def __init__(self, exchange: str | None):
        self.path = os.path.join(exchange, NOTES_FILE) if exchange else None
        self.notes: list[str] = []

    def add(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)
            if self.path:
                with open(self.path + ".tmp", "w") as file:
                    json.dump({"notes": self.notes}, file)
                os.replace(self.path + ".tmp", self.path)


def read_notes(exchange: str) -> list[str]:
    try:
        with open(os.path.join(exchange, NOTES_FILE)) as file:
            return [str(note) for note in json.load(file).get("notes", [])][:20]
    except (OSError, ValueError, AttributeError):
        return []


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def supervise(command: list[str], limits: dict, user: tuple | None, exchange: str | None = None,
              stdout=subprocess.DEVNULL, stderr=None) -> int:
    """Run the bubblewrap `command` (from :func:`confined`), watch it, return its exit status.

    When grading as root (`user` given), the sandbox's user namespace gets the map of root and
    the unprivileged user before it goes on. Every :data:`INTERVAL` s its processes are measured;
    above a cap the sandbox is killed and the reason noted.
    """
    info_read, info_write = os.pipe()
    extra, keep = ["--info-fd", str(info_write)], [info_write]
    if user:
        block_read, block_write = os.pipe()
        extra += ["--userns-block-fd", str(block_read)]
        keep.append(block_read)
    process = subprocess.Popen([command[0], *extra, *command[1:]], pass_fds=keep, stdout=stdout, stderr=stderr)
    for fd in keep:
        os.close(fd)
    info = _read_info(info_read)
    os.close(info_read)
    child = info.get("child-pid")
    if user:
        try:
            if child:
                uid, gid = user
                for kind, outer in (("uid", uid), ("gid", gid)):
                    with open(f"/proc/{child}/{kind}_map", "w") as file:
                        file.write(f"0 0 1\n{outer} {outer} 1\n")
        finally:
            os.write(block_write, b"1")
            os.close(block_write)
    notes = Notes(exchange)
    folder = os.path.join(exchange, "kernel") if exchange else None
    parent = os.getppid()
    while process.poll() is None and child:
        if os.getppid() != parent:  # the grader is gone (killed): so is its sandbox
            process.kill()
            break
        pids = tree(child)
        now = usage(pids)
        if now["tasks"] >= limits["processes"] - 1:
            notes.add(f"reached the cap of {limits['processes']} processes and threads (starting more failed)")
        stop = None
        if now["rss"] > limits["memory"] and pss(pids) > limits["memory"]:
            stop = f"used more than {_size(limits['memory'])} of memory in total ({len(pids)} processes)"
        elif now["cpu"] > limits["cpu_seconds"]:
            stop = f"used more than {limits['cpu_seconds']:g} s of CPU time in total"
        elif folder:
            size, count = written(folder, limits["files"])
            if size > limits["written"]:
                stop = f"wrote more than {_size(limits['written'])} of files"
            elif count > limits["files"]:
                stop = f"wrote more than {limits['files']} files"
        if stop:
            notes.add(f"the sandbox was stopped: it {stop}")
            process.kill()
            break
        time.sleep(INTERVAL)
    return process.wait()
