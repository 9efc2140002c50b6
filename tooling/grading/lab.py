"""``python -m tooling.grading lab`` (``make grade-lab``): the instructor's JupyterLab, formgrader on.

The students' ``make lab`` turns nbgrader's instructor side off. This starts JupyterLab on the
course folder with the course's settings (``.jupyter/``) and, taking precedence over them, the
instructor's (``instructor_lab/`` beside this module): the formgrader (Nbgrader > Formgrader, or
``/formgrader``) for manual grading, and a login cookie valid for every page, so that a formgrader
link with ``?token=`` works wherever it points. It prints the links (with a token of its own)
before JupyterLab starts; options after the command go to ``jupyter lab`` (``--no-browser``).
"""
from __future__ import annotations

import os
import secrets
import socket
import sys

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "instructor_lab")


def free_port(ip: str, first: int, tries: int = 50) -> int:
    """The first port from `first` on that nothing listens on."""
    for port in range(first, first + tries):
        with socket.socket() as probe:
            try:
                probe.bind((ip, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port between {first} and {first + tries - 1}")


def command(root: str, port: int, ip: str, token: str, options=()) -> tuple[list[str], dict]:
    """The ``jupyter lab`` command line and environment of the instructor's JupyterLab."""
    paths = [CONFIG] + ([os.path.join(root, ".jupyter")] if os.path.isdir(os.path.join(root, ".jupyter")) else [])
    if os.environ.get("JUPYTER_CONFIG_PATH"):
        paths.append(os.environ["JUPYTER_CONFIG_PATH"])
    env = {**os.environ, "JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}", f"--ServerApp.ip={ip}",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:  # (containers) Jupyter refuses to run as root without it
        argv.append("--allow-root")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        argv.append("--no-browser")  # no screen (a server, a container): the printed link is the way in
    return argv + list(options), env


def start(port: int = 8888, ip: str = "127.0.0.1", options=()) -> int:
    """Print the links, then become JupyterLab (see module doc); 2 outside a course folder."""
    root = os.getcwd()
    if not os.path.exists(os.path.join(root, "nbgrader_config.py")):
        print("Run this from the course folder (the one with nbgrader_config.py).")
        return 2
    token = secrets.token_hex(24)
    port = free_port(ip, port)
    argv, env = command(root, port, ip, token, [o for o in options if o != "--"])
    host = f"[{ip}]" if ":" in ip else ip
    print(f"Instructor's JupyterLab on {root}\n"
          f"  JupyterLab:                   http://{host}:{port}/lab?token={token}\n"
          f"  Formgrader (manual grading):  http://{host}:{port}/formgrader?token={token}\n"
          "Stop it with Ctrl-C.", flush=True)
    os.execve(argv[0], argv, env)
    return 0  # (not reached)
