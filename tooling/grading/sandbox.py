"""The bubblewrap sandbox that student code and the checks run in.

A sandboxed process sees an empty root file system (a ``tmpfs``) onto which only what Python
needs is bound **read-only**: ``/usr`` and the system libraries, a few files of ``/etc``, the
Python environment and its base interpreter, the installed ``helpers`` package (with the data
registry beside it) and the data cache of ``helpers.data`` (``$CALCIUM_COURSE_DATA``, or the
per-user cache, passed in as ``$CALCIUM_COURSE_DATA``). Nothing else of the machine is
there: not the course folder, ``solutions/``, the gradebook, other students' work or the
instructor's home. It runs in new user, PID, IPC, UTS and (when its connection allows it) network
namespaces, so ``/proc`` shows only its own processes and ``/proc/<pid>/root`` of the grader is
out of reach even when grading runs as root; it dies with its parent; its address space, file
sizes and core dumps are capped with resource limits, and its environment is cleared to a short
list of variables.

The *student kernel* is an ipykernel started in this sandbox by the kernelspec
``calcium-sandbox`` (:func:`install_kernel`; its ``argv`` runs :func:`main` of this module, which
builds the ``bwrap`` command line and stays as the sandbox's supervisor: the limits per submission
of :mod:`tooling.grading.limits`). Its working folder is a small
writable ``tmpfs`` at the path of the submission being graded, holding read-only copies of the
submission's files other than notebooks (the notebook being graded contains the restored check
cells, hidden tests included, so it is never shown to the student's code). Anything the kernel
writes there is thrown away.

Two environment variables, set by the grader for the launcher (never seen by the kernel), say what
else to expose:

``CALCIUM_SANDBOX_SUBMISSION``
    the folder whose files are shown in the working folder (otherwise it is empty);
``CALCIUM_SANDBOX_EXCHANGE``
    the grader's private exchange folder: its ``kernel/`` subfolder is writable (ZeroMQ sockets,
    answers written by the kernel) and its ``grader/`` subfolder read-only (arguments of calls);
``CALCIUM_SANDBOX_PRIVATE``
    ``os.pathsep``-separated paths that must stay hidden: the launcher refuses to start if any
    folder it would bind contains one of them (e.g. a data cache set to the course root).

Without a working ``bwrap`` nothing runs: :func:`probe` raises :class:`SandboxUnavailable`, whose
message says what to install or enable.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "calcium-sandbox"
REPORT_SUFFIX = ".grading-report.json"  # the grader's report beside an autograded notebook
DEFAULT_MEMORY = "4G"
TMP_SIZE = 512 * 2**20          # the sandbox's /tmp and working folder (tmpfs), each
MAX_FILE_SIZE = 2 * 2**30       # largest file the sandbox may write (answers travel as files)
KEPT_ENVIRONMENT = ("LANG", "LC_ALL", "TZ", "MPLBACKEND", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS", "CALCIUM_VARIANT")  # (the last: the student's variant, set by the grader)
_ETC_FILES = ("ld.so.cache", "localtime", "passwd", "group", "nsswitch.conf", "fonts", "matplotlibrc")
_SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up here, so no student code may run."""


def parse_size(text: str) -> int:
    """Bytes from a size such as ``"4G"``, ``"512M"`` or ``"1048576"``."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    text = str(text).strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise ValueError(f"memory size {text!r} is not a size such as 4G, 512M or 1048576") from None


def python() -> str:
    """This interpreter by a path the sandbox shows: its folder with links resolved, itself not (a
    virtual environment's ``python`` is a link to the base interpreter, which would leave the
    environment). A course whose ``.venv`` is a link to another folder needs it."""
    return os.path.join(os.path.realpath(os.path.dirname(sys.executable)), os.path.basename(sys.executable))


def _exposed_python() -> list[str]:
    """Folders the Python environment needs: the environment, its base interpreter, ``helpers``
    and ``tooling`` (whose ``grading.kernel_side`` the grader runs in the student's kernel)."""
    import helpers
    import tooling

    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
               str(Path(os.path.realpath(sys.executable)).parents[1]),
               str(Path(helpers.__file__).resolve().parent), str(Path(tooling.__file__).resolve().parent)}
    folders = sorted(os.path.realpath(f) for f in folders if os.path.isdir(f))
    # keep only the outermost folders (binding a folder inside an already bound one is useless)
    return [f for f in folders if not any(f != g and f.startswith(g + os.sep) for g in folders)]


def _data_files() -> list[str]:
    """The data registry and the data cache (``helpers.data``'s, whichever folder it is), if present."""
    from helpers import data

    return [str(path) for path in (data.REGISTRY_FILE, data.cache_dir().resolve()) if path.exists()]


#: The grader hands the launcher what :func:`system_binds` found, so that the launcher of every
#: kernel does not import ``helpers`` (and SciPy with it) just to find these folders again.
BINDS_ENV = "CALCIUM_SANDBOX_BINDS"


@functools.cache
def system_binds() -> dict:
    """The folders every sandbox shows (Python, ``helpers``, ``tooling``, data) and the data cache."""
    if os.environ.get(BINDS_ENV):
        return json.loads(os.environ[BINDS_ENV])
    from helpers import data

    return {"readonly": [*_exposed_python(), *_data_files()], "cache_env": data.CACHE_ENV,
            "cache": str(data.cache_dir().resolve())}


def _contains(folder: str, path: str) -> bool:
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def bwrap_args(*, readonly=(), writable=(), workdir=None, shown=(), network=False, private=()) -> list[str]:
    """The ``bwrap`` command line (without the command to run) of one sandbox.

    Parameters
    ----------
    readonly, writable : sequence of str
        Extra paths bound at the same place, read-only or writable.
    workdir : str, optional
        Path of the working folder: a writable ``tmpfs`` (capped at ``TMP_SIZE``) mounted there.
        Without it the working folder is the sandbox's empty home folder.
    shown : sequence of str
        Files or folders inside `workdir` bound read-only into it (the submission's files).
    network : bool
        Keep the host's network (only for kernels connected over TCP); otherwise the sandbox has
        no network at all.
    private : sequence of str
        Paths that must stay hidden (the course folder).

    Raises
    ------
    SandboxUnavailable
        If a path to bind contains one of the `private` paths.
    """
    args = ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    if not network:
        args.append("--unshare-net")
    for name in _SYSTEM_DIRS:
        host = Path("/", name)
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    args += ["--perms", "0755", "--dir", "/etc"]  # (bubblewrap's own would be 0700)
    for name in _ETC_FILES:
        if Path("/etc", name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    # (world-writable: the sandbox may run as an unprivileged user, see tooling.grading.limits)
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/tmp",
             "--perms", "1777", "--dir", "/tmp/home"]
    binds = system_binds()
    readonly = [*binds["readonly"], *readonly]
    for path in [*readonly, *writable, *shown]:
        for hidden in private:
            if _contains(path, hidden):
                raise SandboxUnavailable(
                    f"the sandbox would expose {path}, which contains {hidden} (solutions, gradebook "
                    "or instructor files): move the Python environment or the data cache "
                    "($CALCIUM_COURSE_DATA) out of the course folder")
    args += _folders_above([*readonly, *writable, *([workdir] if workdir else [])])
    for path in readonly:
        args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    if workdir:
        args += ["--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", workdir]
        for path in shown:
            args += ["--ro-bind", path, path]
    args += ["--chdir", workdir or "/tmp/home", "--setenv", "HOME", "/tmp/home",
             "--setenv", "PATH", f"{Path(python()).parent}:/usr/local/bin:/usr/bin:/bin",
             "--setenv", "PYTHONNOUSERSITE", "1"]
    for name in KEPT_ENVIRONMENT:
        if name in os.environ:
            args += ["--setenv", name, os.environ[name]]
    args += ["--setenv", binds["cache_env"], binds["cache"]]  # the same cache inside, where HOME differs
    return args


def _folders_above(paths: list[str]) -> list[str]:
    """``--dir`` options for the folders above bound paths, readable by anyone: bubblewrap would
    make them with mode 0700 as root, shutting out a sandbox that runs as an unprivileged user."""
    bound = [os.path.abspath(p) for p in paths]
    above = set()
    for path in bound:
        parent = os.path.dirname(path)
        while parent not in ("/", "/tmp") and not parent.startswith(tuple(f"/{d}/" for d in _SYSTEM_DIRS)):
            above.add(parent)
            parent = os.path.dirname(parent)
    above = {p for p in above if not any(_contains(b, p) for b in bound)}
    args = []
    for folder in sorted(above, key=lambda p: p.count(os.sep)):
        args += ["--perms", "0755", "--dir", folder]
    return args


def submission_files(folder: str) -> list[str]:
    """The entries of a submission folder shown to its kernel: no notebooks, links or dotfiles.

    Links are left out because ``bwrap`` would follow them on the grader's side; inside a shown
    folder they resolve in the sandbox, where they lead nowhere.
    """
    return sorted(entry.path for entry in os.scandir(folder)
                  if not entry.is_symlink() and not entry.name.startswith(".")
                  and not entry.name.endswith((".ipynb", REPORT_SUFFIX)))


def limit_resources(memory: int) -> None:
    """Cap this process (and what it starts): address space, file size, no core dumps."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_SIZE, MAX_FILE_SIZE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@functools.cache
def probe() -> None:
    """Check once per process that a sandbox starts and isolates; raise otherwise.

    Raises
    ------
    SandboxUnavailable
        With what to install (``bwrap`` missing) or to enable (user namespaces refused).
    """
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed, and student code never runs unsandboxed. Install it "
            "(Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install "
            "bubblewrap`) and grade again.")
    from tooling.grading import limits

    code = ("import os, numpy, helpers; pids = [p for p in os.listdir('/proc') if p.isdigit()]; "
            "assert len(pids) < 5, pids; print('sandbox ok')")
    with tempfile.TemporaryDirectory(prefix="calcium-probe-") as folder, \
            tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        settings = limits.settings("{}")
        command, user = limits.confined(bwrap_args(workdir=folder), [python(), "-c", code], settings, python())
        status = limits.supervise(command, settings, user, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(command, status, out.read(), err.read())
    missing = re.search(r"(ModuleNotFoundError|ImportError): .*", done.stderr)
    if done.returncode != 0 and missing:  # the sandbox started; its Python cannot see the course
        raise SandboxUnavailable(
            f"the sandbox started, but its Python could not import the course's packages ({missing.group(0)}). "
            "The sandbox shows the student kernel this Python environment and the checkout: install the "
            "course into it (`pip install -e .`), and grading as root, let `nobody` read them "
            "(e.g. `chmod -R o+rX .venv`).")
    if done.returncode != 0 or "sandbox ok" not in done.stdout:
        raise SandboxUnavailable(
            "bubblewrap could not start an isolated sandbox here, and student code never runs "
            f"unsandboxed. bwrap said: {done.stderr.strip()[-600:] or done.stdout.strip()[-600:]}\n"
            "Unprivileged user namespaces must be allowed (e.g. `sysctl -w "
            "kernel.unprivileged_userns_clone=1`, or in a container run it with user namespaces "
            "enabled, such as Docker's `--security-opt seccomp=unconfined`). Grading as root, the "
            "sandbox runs as `nobody` (SandboxedExecute.sandbox_user), which must be able to read "
            "the Python environment and the data cache (e.g. `chmod -R o+rX .venv`).")


def kernelspec(memory: str = DEFAULT_MEMORY) -> dict:
    """The ``kernel.json`` of the sandboxed student kernel."""
    parse_size(memory)
    return {
        "argv": [sys.executable, "-m", "tooling.grading.sandbox", "--memory", memory,
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (calcium sandbox, for grading)",
        "language": "python",
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
    }


def install_kernel(*, memory: str = DEFAULT_MEMORY, user: bool = False, prefix: str | None = None) -> str:
    """Install the ``calcium-sandbox`` kernelspec; return the folder it was installed to.

    By default it goes into the current Python environment (``sys.prefix``), whose interpreter
    its ``argv`` names; ``user=True`` installs it for the current user, `prefix` under
    ``PREFIX/share/jupyter/kernels``.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "kernel.json").write_text(json.dumps(kernelspec(memory), indent=1))
        return KernelSpecManager().install_kernel_spec(
            folder, KERNEL_NAME, user=user, prefix=None if user else (prefix or sys.prefix))


def main(argv=None) -> None:
    """Kernel launcher (the kernelspec's ``argv``): start ipykernel inside the sandbox."""
    parser = argparse.ArgumentParser(prog="python -m tooling.grading.sandbox")
    parser.add_argument("--memory", default=DEFAULT_MEMORY)
    parser.add_argument("-f", dest="connection_file", required=True)
    options, kernel_args = parser.parse_known_args(argv)
    exchange = os.environ.get("CALCIUM_SANDBOX_EXCHANGE")
    if not exchange:
        probe()  # the grader (which sets the exchange folder) has probed already
    connection_file = os.path.realpath(options.connection_file)
    connection = json.loads(Path(connection_file).read_text())
    readonly, writable = [connection_file], []
    network = connection.get("transport", "tcp") == "tcp"
    if not network:     # ipc: the kernel creates its sockets beside the path prefix `ip`
        writable.append(os.path.dirname(os.path.realpath(connection["ip"])))
    if exchange:
        readonly.append(os.path.join(exchange, "grader"))
        writable.append(os.path.join(exchange, "kernel"))
    submission = os.environ.get("CALCIUM_SANDBOX_SUBMISSION")
    private = [p for p in os.environ.get("CALCIUM_SANDBOX_PRIVATE", "").split(os.pathsep) if p]
    args = bwrap_args(readonly=readonly, writable=sorted(set(writable)), network=network, private=private,
                      workdir=submission, shown=submission_files(submission) if submission else ())
    from tooling.grading import limits

    settings = limits.settings()
    command, user = limits.confined(args, [python(), "-m", "ipykernel_launcher", "-f", connection_file,
                                           *kernel_args], settings, python())
    limits.prepare(user, [connection_file, *([os.path.join(exchange, "kernel")] if exchange else [])])
    limit_resources(parse_size(options.memory))
    # ipykernel's banner goes nowhere (cell output goes over ZeroMQ); the launcher stays as the
    # sandbox's supervisor, and a kill of it ends the sandbox (bwrap --die-with-parent)
    sys.exit(limits.supervise(command, settings, user, exchange))


if __name__ == "__main__":
    main()
