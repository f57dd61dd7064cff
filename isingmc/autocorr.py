"""Integrated autocorrelation time with Sokal's automatic windowing.

Successive Monte Carlo states are correlated.  For a series x_t with normalised autocorrelation
rho(t), the integrated autocorrelation time (Sokal's convention)

    tau_int = 1/2 + sum_{t >= 1} rho(t)

is the factor by which correlations inflate the variance of a mean: Var(mean) = 2 tau_int sigma^2 / N,
so N correlated measurements are worth N / (2 tau_int) independent ones, and samples taken 2 tau_int
steps apart are essentially independent.  (An uncorrelated series has tau_int = 1/2; AR(1) with
coefficient phi has tau_int = (1 + phi) / (2 (1 - phi)).)

The sum over all t is dominated by noise at large t, so it is cut at a window W: the smallest W with
W >= c tau_int(W) (Sokal, "Monte Carlo methods in statistical mechanics", 1996, c = 5 here).  The
estimate is reliable when the series is much longer than tau_int (Sokal asks for N >~ 1000 tau).
"""

import numpy as np

__all__ = ["autocorrelation_time", "autocorrelation_function"]


def _check_series(series):
    if isinstance(series, (str, bytes)) or np.ndim(series) == 0:
        raise TypeError(f"series must be a 1-D sequence of numbers, got {type(series).__name__}")
    try:
        x = np.asarray(series, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("series must be a 1-D sequence of real numbers") from None
    if x.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {x.shape}")
    if x.size < 4:
        raise ValueError(f"series must have at least 4 values, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("series must contain only finite values")
    return x


def autocorrelation_function(series):
    """Normalised autocorrelation rho(t), t = 0 .. N-1, by FFT (zero-padded, so not circular).

    A constant series has no fluctuations to correlate; rho is then 1 at t = 0 and 0 elsewhere.
    """
    x = _check_series(series)
    n = x.size
    d = x - x.mean()
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(d, size)
    acov = np.fft.irfft(f * np.conjugate(f), size)[:n]
    if acov[0] <= 1e-300 * max(1.0, float(np.abs(x).max()) ** 2):
        rho = np.zeros(n)
        rho[0] = 1.0
        return rho
    return acov / acov[0]


def autocorrelation_time(series, c=5.0):
    """Integrated autocorrelation time tau_int (Sokal's convention, >= about 1/2) of a 1-D series.

    The window is chosen automatically (smallest W >= c tau_int(W)); a constant series returns 0.5.
    """
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, float, np.integer, np.floating)) \
            or not np.isfinite(c) or c <= 0:
        raise ValueError(f"c must be a positive number (Sokal's window factor), got {c!r}")
    rho = autocorrelation_function(series)
    taus = 0.5 + np.cumsum(rho[1:])  # taus[W - 1] = tau_int with window W
    windows = np.arange(1, rho.size)
    ok = windows >= c * taus
    w = int(np.argmax(ok)) if ok.any() else taus.size - 1
    return float(max(taus[w], 0.5)) if taus.size else 0.5
