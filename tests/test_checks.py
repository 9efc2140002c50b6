"""helpers.checks: strict types, teaching messages, recognised mistakes, no revealed values."""
import numpy as np
import pytest

from helpers import checks
from helpers.checks import CheckFailed


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class WithArray:
    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class Sub(np.ndarray):
    pass


def fails(function, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as failure:
        function(*args, **kwargs)
    return str(failure.value)


@pytest.mark.parametrize("fake, said", [
    ([0.0, 0.0, 0.0], "not a NumPy array"),
    (np.zeros(3).view(Sub), "ndarray subclass"),
    (WithArray(), "not a NumPy array"),
    (AlwaysEqual(), "not a NumPy array"),
    (np.ma.zeros(3), "ndarray subclass"),
    (None, "is None"),
    (np.zeros(3, dtype=object), "dtype object"),
])
def test_is_array_rejects_look_alikes(fake, said):
    assert said in fails(checks.is_array, "x", fake, shape=(3,))


def test_is_array_shape_dtype_and_named_wrong_shapes():
    assert checks.is_array("x", np.zeros((2, 3)), shape=(2, 3)) is not None
    message = fails(checks.is_array, "x", np.zeros((3, 2)), shape=(2, 3), wrong_shapes={(3, 2): "transposed?"})
    assert "Hint: transposed?" in message
    assert "float64 is asked for" in fails(checks.is_array, "x", np.zeros(3, np.float32), dtype="float64")
    assert "boolean mask" in fails(checks.is_array, "m", np.zeros(3), dtype="bool")
    assert "NaN" in fails(checks.is_array, "x", np.array([1.0, np.nan]))


@pytest.mark.parametrize("fake", [True, np.bool_(True), "3", AlwaysEqual(), np.array(3.0), type("F", (float,), {})(3.0)])
def test_is_number_rejects_look_alikes(fake):
    fails(checks.is_number, "n", fake)


def test_is_number_integer_and_finite():
    assert checks.is_number("n", np.int64(3), integer=True) == 3
    assert "float" in fails(checks.is_number, "n", 3.0, integer=True)
    assert "finite" in fails(checks.is_number, "n", float("inf"))


def test_close_names_the_recognised_mistake_without_values():
    expected = np.arange(1.0, 5.0)
    checks.close("x", expected * (1 + 1e-6), expected)
    message = fails(checks.close, "x", expected * 100, expected, mistakes={"percent, not a fraction": expected * 100})
    assert "percent, not a fraction" in message
    message = fails(checks.close, "x", expected + 1, expected, hint="add nothing")
    assert "4 of 4 values differ" in message and "add nothing" in message
    assert not any(str(v) in message for v in (1.0, 2.0, 3.0, 4.0))
    assert "shape" in fails(checks.close, "x", np.zeros(3), expected)


def test_equal_checks_type_before_value():
    checks.equal("n", 3, 3)
    fails(checks.equal, "n", AlwaysEqual(), 3)
    fails(checks.equal, "s", AlwaysEqual(), "abc")
    fails(checks.equal, "b", 1, True)
    assert "off by one" in fails(checks.equal, "n", 4, 3, mistakes={"off by one": 4})


def test_is_function_and_call():
    def two(a, b):
        return a + b

    assert checks.is_function("two", two, n_params=2) is two
    assert "takes 2" in fails(checks.is_function, "two", two, n_params=3)
    assert "not a function" in fails(checks.is_function, "f", np.sum)  # a NumPy callable is not a def
    assert checks.call("two", two, 1, 2) == 3

    def unwritten(x):
        raise NotImplementedError()

    assert "not written yet" in fails(checks.call, "unwritten", unwritten, np.zeros(4))

    def broken(x):
        return x[10]

    message = fails(checks.call, "broken", broken, np.zeros(4))
    assert "IndexError" in message and "<array (4,)>" in message


def test_is_dict():
    assert checks.is_dict("d", {"a": 1}, keys=["a"]) == {"a": 1}
    assert "missing keys 'b'" in fails(checks.is_dict, "d", {"a": 1}, keys=["a", "b"])
    assert "not a dict" in fails(checks.is_dict, "d", [("a", 1)], keys=["a"])


def test_a_recognised_mistake_is_named_even_when_it_changes_the_shape():
    expected = np.arange(5)
    one_too_many = np.arange(6)
    assert "one too many" in fails(checks.equal, "x", one_too_many, expected, mistakes={"one too many": one_too_many})
    assert "one too many" in fails(checks.close, "x", one_too_many * 1.0, expected * 1.0,
                                   mistakes={"one too many": one_too_many})
    assert "shape" in fails(checks.equal, "x", np.arange(7), expected, mistakes={"one too many": one_too_many})
