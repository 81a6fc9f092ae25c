"""The standard normal loss function and its inverse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from obeya.inventory import normal_loss, normal_loss_inverse
from obeya.inventory._normal import normal_second_order_loss


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        # G(0) = phi(0) = 1/sqrt(2 pi) = 0.398942...
        (0.0, 0.398942),
        # G(1) = phi(1) - 1 * (1 - Phi(1)) = 0.241971 - 0.158655 = 0.083316
        (1.0, 0.083316),
        # G(2) = phi(2) - 2 * (1 - Phi(2)) = 0.053991 - 2 * 0.022750 = 0.008491
        (2.0, 0.008491),
        # G(-1) = G(1) + 1 (G(-k) = G(k) + k) = 1.083316
        (-1.0, 1.083316),
    ],
)
def test_loss_function_against_hand_values(k: float, expected: float) -> None:
    assert float(normal_loss(k)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("k", [-2.0, -0.3, 0.0, 0.7, 2.5])
def test_loss_function_is_the_expected_shortage(k: float) -> None:
    # E[(Z - k)+] by numerical integration of (z - k) phi(z) over z > k.
    value, _ = integrate.quad(lambda z: (z - k) * stats.norm.pdf(z), k, np.inf)
    assert float(normal_loss(k)) == pytest.approx(value, rel=1e-8)


@pytest.mark.parametrize("k", [-1.5, 0.0, 1.2])
def test_second_order_loss_integrates_the_loss(k: float) -> None:
    value, _ = integrate.quad(lambda t: float(normal_loss(t)), k, np.inf)
    assert float(normal_second_order_loss(k)) == pytest.approx(value, rel=1e-8)


@given(st.floats(min_value=-6.0, max_value=7.5))
def test_inverse_recovers_k(k: float) -> None:
    x = normal_loss(k)
    assert float(normal_loss_inverse(x)) == pytest.approx(k, abs=1e-6)


@given(st.floats(min_value=1e-14, max_value=1e3))
def test_inverse_solves_the_equation(x: float) -> None:
    k = normal_loss_inverse(x)
    assert float(normal_loss(k)) == pytest.approx(x, rel=1e-7)


def test_inverse_of_infinity_is_minus_infinity() -> None:
    assert normal_loss_inverse(np.array([np.inf]))[0] == -np.inf
