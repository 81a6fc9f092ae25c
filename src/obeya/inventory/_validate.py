"""Input checks shared by the inventory engines.

Each check looks at a whole array at once and, when rows break the rule, raises a
:class:`~obeya.errors.DataError` that names the input, the rule, how many rows break
it, the first offending row and value, and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from obeya.errors import DataError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def as_float_array(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float64 array; refuses non-numbers and NaN."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: cannot be read as numbers ({exc}); pass numbers") from exc
    nan = np.isnan(array)
    if nan.any():
        _refuse(name, array, nan, "is missing (NaN)", "fill or drop the rows without a value")
    return array


def require(name: str, array: FloatArray, ok: BoolArray | np.bool_, rule: str, fix: str) -> None:
    """Raise a DataError when ``ok`` is False anywhere; ``rule`` says what must hold."""
    good = np.asarray(ok, dtype=bool)
    if not good.all():
        _refuse(name, array, ~np.broadcast_to(good, array.shape), rule, fix)


def _refuse(name: str, array: FloatArray, bad: BoolArray, rule: str, fix: str) -> None:
    count = int(np.count_nonzero(bad))
    if array.ndim == 0:
        raise DataError(f"{name} = {float(array)!r}: must {rule}; {fix}")
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = first[0] if len(first) == 1 else first
    value = float(array[first])
    rows = "row" if count == 1 else "rows"
    raise DataError(
        f"{name}: {count} {rows} break the rule 'must {rule}' "
        f"(first at index {where}: {value!r}); {fix}"
    )


def broadcast_all(arrays: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Broadcast named arrays to one shape, naming the shapes when they disagree."""
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as exc:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise DataError(
            f"inputs do not line up: {shapes}; pass arrays of one length (or scalars)"
        ) from exc
    return {k: np.asarray(v, dtype=np.float64) for k, v in zip(arrays, shaped, strict=True)}


def positive_scalar(name: str, value: float) -> float:
    """A finite number > 0."""
    number = _finite_scalar(name, value)
    if number <= 0:
        raise DataError(f"{name} = {number!r}: must be greater than 0; pass a positive number")
    return number


def nonnegative_scalar(name: str, value: float) -> float:
    """A finite number >= 0."""
    number = _finite_scalar(name, value)
    if number < 0:
        raise DataError(f"{name} = {number!r}: must be 0 or more; pass a non-negative number")
    return number


def probability_scalar(name: str, value: float) -> float:
    """A number strictly between 0 and 1."""
    number = _finite_scalar(name, value)
    if not 0.0 < number < 1.0:
        raise DataError(
            f"{name} = {number!r}: must lie strictly between 0 and 1; "
            "pass a share such as 0.95, not a percentage"
        )
    return number


def _finite_scalar(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} = {value!r}: is not a number; pass a number") from exc
    if not math.isfinite(number):
        raise DataError(f"{name} = {number!r}: must be a finite number; pass a finite number")
    return number
