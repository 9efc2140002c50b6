"""What the grader runs inside a student's kernel: record hooks, fetch answers, call functions.

Nothing here is trusted. Student code runs in the same process and may have replaced any of it;
the worst it can do is send back wrong answers, which is no better for the student than writing
them. Whatever it sends is read by the checker with :func:`tooling.grading.plain.load`.

:func:`tamper_signs` is a best-effort detector for the instructor's report: it compares the
kernel's hooks and the functions checks rely on with a snapshot taken before the first cell ran.
"""
from __future__ import annotations

import builtins
import sys
import threading

# Bound when the grader first imports this module, before any student code runs: a submission that
# later replaces ``sys.modules['helpers.checks']`` does not change how its functions are called.
from helpers.checks import UsedReference, call_watching
from tooling.grading import plain

_SNAPSHOT: dict = {}
_TRUSTED_CALLBACK_PACKAGES = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline", "ipywidgets")
# Import hooks that libraries of the course install when imported (dask brings both): no sign of anything.
_TRUSTED_IMPORT_HOOKS = (("tlz._build_tlz", "TlzLoader"), ("importlib_metadata", "MetadataPathFinder"))
_NUMPY_FUNCTIONS = ("allclose", "isclose", "array_equal", "asarray", "array", "all", "any", "isfinite",
                    "abs", "mean", "sum", "testing")
_CHECK_FUNCTIONS = ("CheckFailed", "is_array", "is_number", "is_function", "call", "close", "equal", "_fail",
                    "call_watching")


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _state() -> dict:
    import numpy as np

    shell = _shell()
    checks = sys.modules.get("helpers.checks")
    transforms = shell.input_transformer_manager
    state = {
        "a trace function (sys.settrace)": sys.gettrace(),
        "a profile function (sys.setprofile)": sys.getprofile(),
        "a thread trace function (threading.settrace)": threading.gettrace(),
        "IPython input transformers": tuple(shell.input_transformers_post)
        + tuple(transforms.cleanup_transforms) + tuple(transforms.line_transforms),
        "IPython AST transformers": tuple(shell.ast_transformers),
        "IPython event callbacks": tuple(
            callback for callbacks in shell.events.callbacks.values() for callback in callbacks
            if not str(getattr(callback, "__module__", "") or "").startswith(_TRUSTED_CALLBACK_PACKAGES)),
        "import hooks (sys.meta_path)": tuple(
            hook for hook in sys.meta_path
            if (type(hook).__module__, type(hook).__qualname__) not in _TRUSTED_IMPORT_HOOKS),
        "sys.modules['numpy']": sys.modules.get("numpy"),
        "sys.modules['helpers.checks']": sys.modules.get("helpers.checks"),
    }
    # ipykernel rebinds `input` for every request: it is no sign of anything
    state.update({f"builtins.{name}": value for name, value in vars(builtins).items() if name != "input"})
    state.update({f"numpy.{name}": getattr(np, name, None) for name in _NUMPY_FUNCTIONS})
    state.update({f"helpers.checks.{name}": getattr(checks, name, None) for name in _CHECK_FUNCTIONS})
    return state


def snapshot() -> None:
    """Record the kernel's hooks and the functions checks use, before any student code runs."""
    import helpers.checks  # noqa: F401 - recorded as it is before student code runs

    _SNAPSHOT.clear()
    _SNAPSHOT.update(_state())


def tamper_signs() -> list[str]:
    """What changed since :func:`snapshot`: hooks installed, functions replaced (best effort)."""
    try:
        now = _state()
    except Exception as err:  # noqa: BLE001 - a broken kernel is itself a sign
        return [f"the kernel's state could not be inspected ({type(err).__name__})"]
    signs = []
    for what, value in now.items():
        before = _SNAPSHOT.get(what)
        if value is before or (type(value) is tuple and type(before) is tuple and len(value) == len(before)
                               and all(a is b for a, b in zip(value, before))):
            continue
        if what.startswith("builtins.") and what not in _SNAPSHOT:
            continue  # a new builtin name is harmless for checks that run elsewhere
        signs.append(f"{what} was changed" if what in _SNAPSHOT else f"{what} was installed")
    return signs


def dump_answers(names: list[str], path: str) -> None:
    """Write the values of `names` in the user namespace (and the tamper signs) to `path`."""
    namespace = _shell().user_ns
    plain.dump(path, {name: namespace[name] for name in names if name in namespace},
               {"signs": tamper_signs()})


def call_answer(name: str, arguments_path: str, result_path: str, max_bytes: int) -> None:
    """Call the student's function `name` on the plain arguments in a file; write what happened.

    The references the check forbids (``extra["references"]``) are watched during the call.
    """
    arguments, extra = plain.load(arguments_path, max_bytes)
    watched = [str(r) for r in extra.get("references", [])] if isinstance(extra, dict) else []
    try:
        result, used = call_watching(_shell().user_ns[name], arguments["args"], arguments["kwargs"], watched)
    except UsedReference as err:
        result, used = None, err.reference
    except BaseException as err:  # noqa: BLE001 - every failure of student code is reported
        try:
            message = str(err)[:2000]
        except BaseException:  # noqa: BLE001
            message = "(the exception's message could not be shown)"
        plain.dump(result_path, {}, {"error": [type(err).__name__, message]})
        return
    plain.dump(result_path, {"result": result}, {"used_reference": used} if used else None)
