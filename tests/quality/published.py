"""Published data sets used by the quality tests, each with its source.

All from D. C. Montgomery, *Introduction to Statistical Quality Control*, 7th ed.
(Wiley, 2013), by example number. The tests re-derive every published figure by
hand from these data (sums in the comments), so a transcription slip would show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Example 6.1, Table 6.3: inside diameter (mm) of forged automobile piston rings,
# the 25 preliminary samples of n = 5. Book: sum of x-bar = 1850.028 (of the rounded
# means), x-double-bar = 74.001; sum of R = 0.581, R-bar = 0.023.
PISTON_RINGS = np.array(
    [
        [74.030, 74.002, 74.019, 73.992, 74.008],
        [73.995, 73.992, 74.001, 74.011, 74.004],
        [73.988, 74.024, 74.021, 74.005, 74.002],
        [74.002, 73.996, 73.993, 74.015, 74.009],
        [73.992, 74.007, 74.015, 73.989, 74.014],
        [74.009, 73.994, 73.997, 73.985, 73.993],
        [73.995, 74.006, 73.994, 74.000, 74.005],
        [73.985, 74.003, 73.993, 74.015, 73.988],
        [74.008, 73.995, 74.009, 74.005, 74.004],
        [73.998, 74.000, 73.990, 74.007, 73.995],
        [73.994, 73.998, 73.994, 73.995, 73.990],
        [74.004, 74.000, 74.007, 74.000, 73.996],
        [73.983, 74.002, 73.998, 73.997, 74.012],
        [74.006, 73.967, 73.994, 74.000, 73.984],
        [74.012, 74.014, 73.998, 73.999, 74.007],
        [74.000, 73.984, 74.005, 73.998, 73.996],
        [73.994, 74.012, 73.986, 74.005, 74.007],
        [74.006, 74.010, 74.018, 74.003, 74.000],
        [73.984, 74.002, 74.003, 74.005, 73.997],
        [74.000, 74.010, 74.013, 74.020, 74.003],
        [73.982, 74.001, 74.015, 74.005, 73.996],
        [74.004, 73.999, 73.990, 74.006, 74.009],
        [74.010, 73.989, 73.990, 74.009, 74.014],
        [74.015, 74.008, 73.993, 74.000, 74.010],
        [73.982, 73.984, 73.995, 74.017, 74.013],
    ]
)
# The book's x-bar and R columns of Table 6.3.
PISTON_XBAR = [
    74.010, 74.001, 74.008, 74.003, 74.003, 73.996, 74.000, 73.997, 74.004, 73.998,
    73.994, 74.001, 73.998, 73.990, 74.006, 73.997, 74.001, 74.007, 73.998, 74.009,
    74.000, 74.002, 74.002, 74.005, 73.998,
]  # fmt: skip
PISTON_R = [
    0.038, 0.019, 0.036, 0.022, 0.026, 0.024, 0.012, 0.030, 0.014, 0.017,
    0.008, 0.011, 0.029, 0.039, 0.016, 0.021, 0.026, 0.018, 0.021, 0.020,
    0.033, 0.019, 0.025, 0.022, 0.035,
]  # fmt: skip


def piston_rings_long(subgroup: str = "subgroup", value: str = "value") -> pd.DataFrame:
    """Table 6.3 as a long table: one row per measurement, subgroups labelled 1..25."""
    return pd.DataFrame({subgroup: np.repeat(np.arange(1, 26), 5), value: PISTON_RINGS.ravel()})


# Example 7.1: frozen orange juice concentrate cans, 30 samples of n = 50,
# number of nonconforming cans. Book: p-bar = 0.2313, UCL = 0.4102, LCL = 0.0524;
# samples 15 and 23 out of control (assignable causes found); revised without them
# p-bar = 0.2150, UCL = 0.3893, LCL = 0.0407, and sample 21 is then above the UCL.
ORANGE_JUICE = [
    12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
    8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6,
]  # fmt: skip

# Example 7.3: nonconformities in 26 samples of 100 printed circuit boards.
# Book: c-bar = 19.85, UCL = 33.22, LCL = 6.48; samples 6 and 20 outside; revised
# without them c-bar = 19.67, UCL = 32.97, LCL = 6.36.
CIRCUIT_BOARDS = [
    21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16,
    19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15,
]  # fmt: skip

# Example 7.4: nonconformities in 20 samples of n = 5 personal computers.
# Book: u-bar = 1.93, UCL = 3.79, LCL = 0.07; no lack of statistical control.
COMPUTERS = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]

# Example 6.5: cost of processing mortgage loan applications, 20 weeks.
# Book: x-bar = 300.5, MR-bar = 7.79, UCL = 321.22, LCL = 279.78; MR chart UCL = 25.45.
LOAN_COSTS = [
    310, 288, 297, 298, 307, 303, 294, 297, 308, 306,
    294, 299, 297, 299, 314, 295, 293, 306, 301, 304,
]  # fmt: skip

# Example 9.1: 30 observations, the first 20 from N(10, 1) and the last 10
# from N(11, 1). Tabular CUSUM with mu0 = 10, sigma = 1, k = 1/2, h = 5: C+ first
# exceeds H = 5 at period 29 (C+ = 5.28, N+ = 7), estimated mean 10 + 0.5 + 5.28/7 = 11.25.
CUSUM_9_1 = [
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
    9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
    10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip
