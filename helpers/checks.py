"""Answer checks for the lessons' check cells.

Each function checks one student answer and either returns quietly or raises
:class:`CheckFailed` (an ``AssertionError``) whose message teaches: it names the answer, says what
was wrong and, where a typical mistake is recognised, names that mistake. Messages never contain
the expected values.

Checks are strict about types, because look-alikes can pass a loose comparison: a list where an
array is asked, an ``ndarray`` subclass, an object with ``__array__`` or with an ``__eq__`` that is
always true are all rejected by :func:`is_array` and :func:`is_number` before any value is
compared. Values are compared with :func:`close` (floating point, with stated tolerances) or
:func:`equal` (exact).

Check cells follow the course's *check protocol* (see the maintainer guide): they read student
answers only by name and recompute everything else themselves, so the grader can run them in a
process where no student code has run. A check cell is one call of its lesson's check function
(in ``helpers.lessons.<lesson>``), which uses the functions here.

Where an exercise asks the learner to *write* a method, the check calls the learner's function
inside :func:`own_work`: an answer that is, or calls, the package's reference for that exercise
fails with a message saying so (:func:`call` watches for it, in the learner's kernel and, through
the grader, when the function runs in a sandboxed kernel).
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import numbers
import sys
import types

import numpy as np

__all__ = ["CheckFailed", "UsedReference", "call", "close", "equal", "fail", "is_array", "is_dict",
           "is_function", "is_number", "own_work"]

#: Numeric dtype kinds by the word used in checks ("float" accepts integers too: a mean of
#: integers is still a valid float answer once converted by NumPy).
_KINDS = {"float": "fiu", "int": "iu", "bool": "b", "number": "fiub"}


class CheckFailed(AssertionError):
    """A check did not pass; the message is meant for the student.

    IPython shows it as its message alone, without a traceback (``_render_traceback_``): in
    JupyterLab, in ``nbgrader validate`` and in feedback the learner reads the message once.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"Check failed: {line}" if i == 0 else f"  {line}"
                for i, line in enumerate(str(self).splitlines())]


class UsedReference(Exception):
    """A learner's function called a reference it was meant to replace (see :func:`own_work`)."""

    def __init__(self, reference: str):
        super().__init__(reference)
        self.reference = reference


#: References the learner's function must not call, while :func:`own_work` is active:
#: ``"module:qualname"`` strings (the grader sends them to the learner's kernel).
_FORBIDDEN: list[str] = []


def _name_of(function) -> str:
    function = inspect.unwrap(function)
    return f"{function.__module__}:{function.__qualname__}"


def _resolve(reference: str):
    """The code object of a ``"helpers.module:qualname"`` reference (only the course's own)."""
    module, _, qualname = reference.partition(":")
    if module != "helpers" and not module.startswith("helpers."):
        raise ValueError(f"{reference!r} is not a reference of the course package")
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return inspect.unwrap(target).__code__


@contextlib.contextmanager
def own_work(*references):
    """While active, :func:`call` fails a learner's function that is, or calls, one of `references`.

    Use it around the calls of an exercise that asks the learner to write a method the package
    already has: the reference is what the learner compares with later, not the answer.
    """
    names = [_name_of(r) for r in references]
    _FORBIDDEN.extend(names)
    try:
        yield
    finally:
        del _FORBIDDEN[len(_FORBIDDEN) - len(names):]


def forbidden_references() -> list[str]:
    """The references :func:`own_work` forbids right now (read by the grader's proxies)."""
    return list(_FORBIDDEN)


def call_watching(function, args, kwargs, references):
    """``function(*args, **kwargs)`` and the first of `references` it called (or None).

    A profile hook sees every Python-level call; it is removed (and any previous one restored)
    before returning. References that cannot be resolved are ignored.
    """
    codes = {}
    for reference in references:
        with contextlib.suppress(Exception):
            codes[_resolve(reference)] = reference
    if not codes:
        return function(*args, **kwargs), None
    used = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes and not used:
            used.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = function(*args, **kwargs)
    except Exception:
        if used:  # the reference was called, then something failed: the reference is the news
            raise UsedReference(used[0]) from None
        raise
    finally:
        sys.setprofile(previous)
    return result, (used[0] if used else None)


def fail(name: str, problem: str, hint: str | None = None):
    """Fail a check with a teaching message: which answer, what is wrong, and a hint."""
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    message = f"`{name}`: {problem}"
    if hint:
        message += f"\nHint: {hint}"
    raise CheckFailed(message)


def _kind_of(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a {type(value).__name__} (an ndarray subclass)"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("a builtins.", "a ")


def is_array(name: str, value, *, shape=None, ndim=None, dtype: str = "float",
             hint: str | None = None, wrong_shapes: dict | None = None) -> np.ndarray:
    """Check that `value` is a plain NumPy array of the right shape and kind; return it.

    Parameters
    ----------
    name : str
        The answer's variable name, as the student wrote it.
    value : object
        The answer.
    shape : tuple of int, optional
        The exact shape expected.
    ndim : int, optional
        The number of dimensions expected (when the exact shape is not known).
    dtype : {"float", "int", "bool", "number"} or a NumPy dtype name
        The kind of values expected ("float" accepts integer arrays too), or an exact dtype
        such as ``"float64"`` when the exercise asks for one.
    hint : str, optional
        Shown when the shape is wrong and no entry of `wrong_shapes` matches.
    wrong_shapes : dict, optional
        ``{shape: hint}`` for shapes that typical mistakes produce (e.g. the wrong axis).
    """
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    if type(value) is not np.ndarray:
        if isinstance(value, (list, tuple)):
            fail(name, f"is {_kind_of(value)}, not a NumPy array.",
                  "convert it with np.asarray(...), or compute it with NumPy from the start")
        if isinstance(value, np.ndarray):
            fail(name, f"is {_kind_of(value)}; a plain numpy.ndarray is required.",
                  "use np.asarray(...) to get a plain array")
        if value is None:
            fail(name, "is None.", "did the cell assign the result, or only print/return it?")
        fail(name, f"is {_kind_of(value)}, not a NumPy array.", hint)
    if dtype in _KINDS:
        if value.dtype.kind not in _KINDS[dtype]:
            fail(name, f"has dtype {value.dtype}, but {dtype} values are expected.",
                 "a boolean mask is made by a comparison (e.g. image > threshold)" if dtype == "bool" else None)
    elif value.dtype != np.dtype(dtype):
        fail(name, f"has dtype {value.dtype}, but {dtype} is asked for.", f"convert with .astype(np.{dtype})")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        fail(name, "contains NaN or infinite values.",
             "look for a division by zero or a NaN in the input")
    if ndim is not None and value.ndim != ndim:
        fail(name, f"has {value.ndim} dimension(s) (shape {value.shape}), expected {ndim}.", hint)
    if shape is not None and value.shape != tuple(shape):
        for wrong, wrong_hint in (wrong_shapes or {}).items():
            if value.shape == tuple(wrong):
                fail(name, f"has shape {value.shape}, which is not the shape asked for.", wrong_hint)
        fail(name, f"has shape {value.shape}, which is not the shape asked for.", hint)
    return value


def is_number(name: str, value, *, integer: bool = False, hint: str | None = None):
    """Check that `value` is one real number (a Python or NumPy int or float, not a bool); return it.

    With ``integer=True`` only integers are accepted (a float such as ``3.0`` is rejected: an
    index or a count must be an ``int``).
    """
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    allowed = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    plain = type(value) in (int, float) or type(value).__module__ == "numpy"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, allowed) or not plain:
        if isinstance(value, np.ndarray):
            fail(name, f"is an array of shape {value.shape}, not a single number.",
                  hint or "reduce it to one value, or index the element you need")
        what = "an integer" if integer else "a number"
        if integer and isinstance(value, (float, np.floating)):
            fail(name, f"is a float, but {what} is expected.",
                  hint or "indices and counts are whole numbers: use int(...) or // for division")
        fail(name, f"is {_kind_of(value)}, but {what} is expected.", hint)
    if not np.isfinite(value):
        fail(name, f"is {value}, not a finite number.", hint)
    return value


def is_dict(name: str, value, *, keys, hint: str | None = None) -> dict:
    """Check that `value` is a plain ``dict`` with exactly the given keys; return it.

    The values are not checked here: check each with :func:`is_number`, :func:`is_array`, ...
    """
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    if type(value) is not dict:
        fail(name, f"is {_kind_of(value)}, not a dict.", hint or "build it with {key: value, ...}")
    missing = [k for k in keys if k not in value]
    extra = [k for k in value if k not in keys]
    if missing or extra:
        problem = "has " + "; ".join(part for part in (
            f"missing keys {', '.join(map(repr, missing))}" if missing else "",
            f"unexpected keys {', '.join(map(repr, extra))}" if extra else "") if part) + "."
        fail(name, problem, hint or f"the keys must be exactly {', '.join(map(repr, keys))}")
    return value


def is_function(name: str, value, *, n_params: int | None = None) -> types.FunctionType:
    """Check that `value` is a function defined with ``def`` taking `n_params` parameters."""
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    if not isinstance(value, types.FunctionType):
        fail(name, f"is {_kind_of(value)}, not a function.",
             "define it with `def " + name + "(...):` and do not overwrite the name afterwards")
    if n_params is not None:
        params = [p for p in inspect.signature(value).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) != n_params:
            fail(name, f"takes {len(params)} positional parameter(s), but the exercise asks for {n_params}.",
                  "check the signature given in the exercise")
    return value


def call(name: str, function, *args, refuse=(), **kwargs):
    """Call a student's function and return its result; an exception becomes a teaching failure.

    Array arguments are passed as copies (as the grader does), so a function that changes its
    input cannot change the check's data. With `refuse`, references the function may not be or
    call (see :func:`own_work`). The message shows how the function was called (argument shapes,
    not values), so the student can reproduce it.
    """
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    is_function(name, function)
    if refuse:
        with own_work(*refuse):
            return call(name, function, *args, **kwargs)
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)

    def show(a):
        if isinstance(a, np.ndarray):
            return f"<array {a.shape}>"
        return repr(a) if isinstance(a, (numbers.Number, str, type(None))) else f"<{type(a).__name__}>"

    shown = ", ".join([show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()])
    try:
        result, used = call_watching(function, args, kwargs, forbidden_references())
    except UsedReference as err:  # raised by the grader's proxy for a function in a sandboxed kernel
        used = err.reference
    except NotImplementedError:
        fail(name, "is not written yet (it raises NotImplementedError).",
             "replace the `raise NotImplementedError()` line with your code")
    except Exception as err:  # noqa: BLE001 - any error in student code is reported to the student
        fail(name, f"raised {type(err).__name__} when called as {name}({shown}): {err}")
    if used:
        module, _, qualname = used.partition(":")
        fail(name, f"uses `{module}.{qualname}`, the package's reference for this exercise.",
             f"write this yourself; `{qualname}` is what your own version is compared with, not the answer")
    return result


def _same(value, candidate, rtol, atol) -> bool:
    if candidate is None:  # a mistake that cannot occur for this input
        return False
    candidate = np.asarray(candidate)
    value = np.asarray(value)
    return value.shape == candidate.shape and bool(np.allclose(value, candidate, rtol=rtol, atol=atol))


def close(name: str, value, expected, *, rtol: float = 1e-4, atol: float = 0.0,
          hint: str | None = None, mistakes: dict | None = None) -> None:
    """Check that `value` equals `expected` within ``|value - expected| <= atol + rtol * |expected|``.

    Check the type first (:func:`is_array` or :func:`is_number`); this compares values only. The
    default relative tolerance, 1e-4, accepts results computed in float32 (a movie's usual
    dtype) as well as in float64.

    Parameters
    ----------
    mistakes : dict, optional
        ``{hint: wrong_answer}``: results that typical mistakes produce. When `value` matches one
        of them (same tolerance), its hint is shown instead of `hint`.
    """
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    expected = np.asarray(expected)
    value = np.asarray(value)
    if value.shape == expected.shape and np.allclose(value, expected, rtol=rtol, atol=atol):
        return
    # A recognised mistake is named even when it also changes the shape (e.g. one value too many).
    for wrong_hint, wrong in (mistakes or {}).items():
        if _same(value, wrong, rtol, atol):
            fail(name, "is not right.", wrong_hint)
    if value.shape != expected.shape:
        fail(name, f"has shape {value.shape}, which is not the shape asked for.", hint)
    if value.size > 1:
        off = ~np.isclose(value, expected, rtol=rtol, atol=atol)
        fail(name, f"{int(off.sum())} of {value.size} values differ from the expected result "
                    f"(tolerance: relative {rtol:g}, absolute {atol:g}).", hint)
    fail(name, f"differs from the expected result (tolerance: relative {rtol:g}, absolute {atol:g}).", hint)


def equal(name: str, value, expected, *, hint: str | None = None, mistakes: dict | None = None) -> None:
    """Check exact equality (integers, booleans, strings, integer or boolean arrays).

    `value` must have the same type family as `expected`: this is checked before comparing, so an
    object that claims to equal everything does not pass.
    """
    __tracebackhide__ = True  # IPython shows the student's check line, not these internals
    if isinstance(expected, np.ndarray):
        is_array(name, value, dtype="bool" if expected.dtype == bool else "number", hint=hint)
        same = value.shape == expected.shape and bool(np.array_equal(value, expected))
    elif isinstance(expected, str):
        if type(value) is not str:
            fail(name, f"is {_kind_of(value)}, but a string is expected.", hint)
        same = value == expected
    elif isinstance(expected, (bool, np.bool_)):
        if type(value) not in (bool, np.bool_):
            fail(name, f"is {_kind_of(value)}, but True or False is expected.", hint)
        same = bool(value) == bool(expected)
    else:
        is_number(name, value, integer=isinstance(expected, (int, np.integer)), hint=hint)
        same = value == expected
    if same:
        return
    for wrong_hint, wrong in (mistakes or {}).items():
        if wrong is not None and (np.array_equal(value, wrong) if isinstance(wrong, np.ndarray) else value == wrong):
            fail(name, "is not right.", wrong_hint)
    if isinstance(expected, np.ndarray) and value.shape != expected.shape:
        fail(name, f"has shape {value.shape}, which is not the shape asked for.", hint)
    fail(name, "is not the expected result.", hint)
