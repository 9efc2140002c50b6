"""Plain-data answers: the only thing that leaves a student's kernel.

Under the check protocol (``book/maintainers.md``) an answer is ``None``, ``bool``, ``int``,
``float``, ``str``, a NumPy scalar, an ``ndarray`` of exact type whose dtype holds no Python
objects, or a ``list``, ``tuple`` or ``dict`` of those. Answers travel between the student's
kernel and the checker as one ``.npz`` file: a JSON *skeleton* (member ``skeleton``) that
describes each value, and the arrays it refers to (members ``a0``, ``a1``, ...).

Skeleton nodes: JSON ``null``/``true``/``false``/numbers/strings are the Python value itself;
``{"list": [...]}``, ``{"tuple": [...]}``, ``{"dict": [[key, node], ...]}`` the containers
(keys are ``None``, ``bool``, ``int``, ``float`` or ``str``); ``{"array": i}`` an array and
``{"scalar": i}`` a NumPy scalar stored as the 0-d array ``a{i}``; ``{"function": [[name, kind,
has_default], ...]}`` a function defined with ``def`` (its parameters, see
:class:`inspect.Parameter`); ``{"other": description}`` anything else.

:func:`dump` writes such a file and is what the kernel runs; it is untrusted there (student code
can replace it), so :func:`load`, which the checker runs, trusts nothing in the file: it refuses
links and special files, checks sizes before reading, reads arrays with ``allow_pickle=False``
and rebuilds exactly the types above. A value it cannot rebuild becomes :class:`NotPlain`.
"""
from __future__ import annotations

import inspect
import io
import json
import math
import os
import stat
import types
import zipfile

import numpy as np
from numpy.lib import format as npy_format

MAX_DEPTH = 32
MAX_NODES = 1_000_000
MAX_SKELETON_BYTES = 64 * 2**20  # JSON takes far more memory than this once parsed
_SCALAR_KINDS = "biufcUSmM"
_KEY_TYPES = (type(None), bool, int, float, str)
_MEMBER = "a{}"


class NotPlain:
    """Stands for an answer that is not plain data; `what` says what it was."""

    def __init__(self, what: str):
        self.what = str(what)[:200]

    def __repr__(self):
        return f"<not plain data: {self.what}>"


class FunctionRef:
    """Stands for a function defined in the student's kernel; `parameters` rebuilds its signature."""

    def __init__(self, parameters):
        self.parameters = parameters

    def signature(self) -> inspect.Signature:
        """The function's signature (defaults stand as ``...``: only their presence is known)."""
        return inspect.Signature([
            inspect.Parameter(name, inspect._ParameterKind(kind),
                              default=... if has_default else inspect.Parameter.empty)
            for name, kind, has_default in self.parameters])


def describe(value) -> str:
    """A short description of a value's type, for messages ("a MyArray (subclass of numpy.ndarray)")."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, np.ndarray) and kind is not np.ndarray:
        return f"a {name} (a subclass of numpy.ndarray)"
    if kind is np.ndarray:
        return f"a numpy.ndarray of dtype {value.dtype}"
    return f"a {name}"


def _node(value, arrays: list, depth: int):
    kind = type(value)
    if value is None or kind in (bool, str) or (kind is int and value.bit_length() < 10_000):
        return value
    if kind is int:
        return {"other": "an integer too large to transfer"}
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is np.ndarray and not value.dtype.hasobject:
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.kind in _SCALAR_KINDS:
        arrays.append(np.asarray(value))
        return {"scalar": len(arrays) - 1}
    if kind is types.FunctionType:
        return {"function": [[p.name, int(p.kind), p.default is not p.empty]
                             for p in inspect.signature(value).parameters.values()]}
    if depth >= MAX_DEPTH:
        return {"other": "a structure nested too deeply"}
    if kind in (list, tuple):
        return {kind.__name__: [_node(item, arrays, depth + 1) for item in value]}
    if kind is dict:
        if all(type(key) in _KEY_TYPES for key in value):
            return {"dict": [[key, _node(item, arrays, depth + 1)] for key, item in value.items()]}
        return {"other": "a dict whose keys are not all None, bool, int, float or str"}
    return {"other": describe(value)}


def dump(path: str, values: dict, extra: dict | None = None) -> None:
    """Write `values` (name -> value) and JSON-able `extra` information to the ``.npz`` at `path`."""
    arrays: list = []
    skeleton = {"values": {name: _node(value, arrays, 0) for name, value in values.items()},
                "extra": extra or {}}
    encoded = np.frombuffer(json.dumps(skeleton).encode(), dtype=np.uint8)
    np.savez(path, skeleton=encoded, **{_MEMBER.format(i): a for i, a in enumerate(arrays)})


def _not_plain(node) -> str | None:
    """What in an encoded value is not plain data, or None."""
    if type(node) is not dict:
        return None
    (tag, content), = node.items()
    if tag == "other":
        return content
    if tag == "function":
        return "a function"
    if tag == "dict":
        content = [item for _, item in content]
    if tag in ("list", "tuple", "dict"):
        return next(filter(None, map(_not_plain, content)), None)
    return None


def check(value, what: str = "the value") -> None:
    """Raise ``TypeError`` unless `value` is plain data (functions are not plain data here)."""
    found = _not_plain(_node(value, [], 0))
    if found:
        raise TypeError(f"{what} is or contains {found}, which is not plain data (numbers, "
                        "strings, plain NumPy arrays, or lists, tuples and dicts of them)")


def _read_array(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    """One ``.npy`` member, checked: its header must describe exactly the bytes that follow."""
    data = archive.read(name + ".npy")
    stream = io.BytesIO(data)
    version = npy_format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(stream)
    else:
        raise ValueError("holds an array in an unknown format")
    if dtype.hasobject:
        raise ValueError("holds an array of Python objects")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - stream.tell():
        raise ValueError("holds a malformed array")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C").copy(order="K")


class _Reader:
    """Rebuilds values from a skeleton and the arrays of one archive, trusting neither."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.nodes = 0

    def array(self, index, scalar: bool):
        if type(index) is not int or not 0 <= index < MAX_NODES:
            raise ValueError("is malformed")
        try:
            array = _read_array(self.archive, _MEMBER.format(index))
        except KeyError:
            raise ValueError("refers to a missing array") from None
        if not scalar:
            return array
        if array.ndim != 0 or array.dtype.kind not in _SCALAR_KINDS:
            raise ValueError("holds a malformed NumPy scalar")
        return array[()]

    def value(self, node, depth: int = 0):
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise ValueError("is nested too deeply or too large")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict or len(node) != 1:
            raise ValueError("is malformed")
        (tag, content), = node.items()
        if tag == "float" and content in ("nan", "inf", "-inf"):
            return float(content)
        if tag in ("array", "scalar"):
            return self.array(content, tag == "scalar")
        if tag in ("list", "tuple") and type(content) is list:
            items = [self.value(item, depth + 1) for item in content]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and type(content) is list:
            pairs = {}
            for pair in content:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in _KEY_TYPES:
                    raise ValueError("holds a malformed dict")
                pairs[pair[0]] = self.value(pair[1], depth + 1)
            return pairs
        if tag == "other":
            raise ValueError(f"is {str(content)[:120]}")
        raise ValueError("is malformed")

    def top(self, node):
        """A top-level value: plain data, a :class:`FunctionRef` or a :class:`NotPlain`."""
        if type(node) is dict and list(node) == ["function"]:
            try:
                function = FunctionRef([(str(n), int(k), bool(d)) for n, k, d in node["function"]])
                function.signature()
                return function
            except (TypeError, ValueError):
                return NotPlain("a function with an unreadable signature")
        try:
            return self.value(node)
        except ValueError as err:
            return NotPlain(str(err).removeprefix("is ").removeprefix("holds "))


def load(path: str, max_bytes: int) -> tuple[dict, dict]:
    """Read a file written by :func:`dump`, trusting nothing in it; return ``(values, extra)``.

    `values` maps each name to plain data, a :class:`FunctionRef` or a :class:`NotPlain`.

    Raises
    ------
    ValueError
        If the file is missing, not a regular file, larger than `max_bytes` (also when
        uncompressed) or not a readable archive of this format.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        raise ValueError(f"no answers file ({err.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        size = os.fstat(file.fileno())
        if not stat.S_ISREG(size.st_mode):
            raise ValueError("the answers file is not a regular file")
        try:
            with zipfile.ZipFile(file) as archive:
                total = max(size.st_size, sum(member.file_size for member in archive.infolist()))
                if total > max_bytes:
                    raise ValueError(f"the answers take {total} bytes, more than the limit of {max_bytes}")
                if archive.getinfo("skeleton.npy").file_size > MAX_SKELETON_BYTES:
                    raise ValueError("the answers hold too many separate values (use arrays)")
                encoded = _read_array(archive, "skeleton")
                if encoded.dtype != np.uint8 or encoded.ndim != 1:
                    raise ValueError("the answers file is malformed")
                skeleton = json.loads(encoded.tobytes().decode())
                if type(skeleton) is not dict or type(skeleton.get("values")) is not dict:
                    raise ValueError("the answers file is malformed")
                reader = _Reader(archive)
                values = {str(name): reader.top(node) for name, node in skeleton["values"].items()}
        except (OSError, KeyError, EOFError, RecursionError, UnicodeDecodeError, zipfile.BadZipFile,
                json.JSONDecodeError, zipfile.LargeZipFile, NotImplementedError) as err:
            raise ValueError(f"the answers file is unreadable ({type(err).__name__})") from None
    extra = skeleton.get("extra")
    return values, extra if type(extra) is dict else {}
