"""The standard normal loss functions that inventory theory is written in.

``G(k) = E[(Z - k)+] = phi(k) - k (1 - Phi(k))`` is the expected shortage per unit of
standard deviation when ``k`` standard deviations of safety stock are held (Silver,
Pyke & Thomas call it ``G_u(k)``; Snyder & Shen write the complementary first-order
loss function ``L(z)``). Everything here is vectorised: the functions take scalars or
arrays and return arrays of the same shape.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "normal_loss",
    "normal_loss_inverse",
    "normal_pdf",
    "normal_second_order_loss",
    "normal_sf",
]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
_SQRT2 = np.sqrt(2.0)
# A safety factor above 8.5 corresponds to a shortage per cycle below 1e-17 standard
# deviations; beyond it float64 cannot tell the loss from zero, so Newton is capped.
_K_MAX = 8.5
_MAX_NEWTON_STEPS = 60
_NEWTON_TOLERANCE = 1e-10

FloatArray = NDArray[np.float64]


def normal_pdf(k: ArrayLike) -> FloatArray:
    """Standard normal density ``phi(k)``."""
    z = np.asarray(k, dtype=np.float64)
    result: FloatArray = np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    return result


def normal_sf(k: ArrayLike) -> FloatArray:
    """Standard normal survival function ``1 - Phi(k)``, accurate far in the tail."""
    z = np.asarray(k, dtype=np.float64)
    result: FloatArray = 0.5 * special.erfc(z / _SQRT2)
    return result


def normal_loss(k: ArrayLike) -> FloatArray:
    """Standard normal loss function ``G(k) = phi(k) - k (1 - Phi(k)) = E[(Z - k)+]``.

    Expected units short per replenishment cycle are ``sigma * G(k)`` when the
    reorder point sits ``k`` standard deviations above the mean lead-time demand.
    """
    z = np.asarray(k, dtype=np.float64)
    result: FloatArray = normal_pdf(z) - z * normal_sf(z)
    return result


def normal_second_order_loss(k: ArrayLike) -> FloatArray:
    """Second-order loss ``G2(k) = E[((Z - k)+)^2] / 2 = ((k^2 + 1)(1 - Phi(k)) - k phi(k)) / 2``.

    ``sigma^2 * (G2(a) - G2(b))`` integrates ``sigma * G`` between two reorder levels;
    the exact (r, Q) cost uses it for the expected backorder level.
    """
    z = np.asarray(k, dtype=np.float64)
    result: FloatArray = 0.5 * ((z * z + 1.0) * normal_sf(z) - z * normal_pdf(z))
    return result


def normal_loss_inverse(x: ArrayLike) -> FloatArray:
    """Solve ``G(k) = x`` for ``k``, element-wise, to about 1e-10.

    Why Newton on ``log G``: ``G`` is log-concave and decreasing, so Newton's method on
    ``log G(k) - log x`` lands to the right of the root after one step and then
    descends to it monotonically and quadratically; a start near the root (``k = -x``
    for large ``x``, the tail asymptote ``phi(k) ~ x`` for small ``x``) needs 3 to 5
    steps over ``x`` in [1e-15, 1e3]. The loop runs over iterations, never over rows.

    ``x`` must be positive; ``x = inf`` gives ``-inf``. Roots above 8.5 (``x`` below
    about 1e-18) are returned as 8.5.
    """
    target = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(target)
    safe = np.where(finite, target, 1.0)
    log_target = np.log(safe)
    tail_guess = np.sqrt(np.maximum(-2.0 * np.log(safe * np.sqrt(2.0 * np.pi)), 0.0)) - 1.0
    k: FloatArray = np.where(safe >= float(_INV_SQRT_2PI), -safe, tail_guess)
    k = np.minimum(k, _K_MAX)
    for _ in range(_MAX_NEWTON_STEPS):
        loss = normal_loss(k)
        step = (np.log(loss) - log_target) * loss / normal_sf(k)
        new_k = np.minimum(k + step, _K_MAX)
        moved = float(np.max(np.abs(new_k - k), initial=0.0))
        k = new_k
        if moved < _NEWTON_TOLERANCE:
            break
    result: FloatArray = np.where(finite, k, -np.inf)
    return result
