"""Source extraction: footprints and traces found together by non-negative matrix factorisation.

A movie ``(T, Y, X)`` seen as a matrix of pixels x time is modelled, as in CNMF (Pnevmatikakis et
al. 2016, Neuron 89:285; Giovannucci et al. 2019, eLife 8:e38173, CaImAn), as

    Y  ≈  A · C  +  B · F,        A, C, B, F >= 0,

where column ``k`` of ``A`` is the spatial *footprint* of source ``k`` and row ``k`` of ``C`` its
*trace*; ``B · F`` is a low-rank non-negative *background* (``n_background`` spatial maps times
their time courses: the tissue's glow, the neuropil, bleaching). Footprints are *local*: each may be
non-zero only on its initial support, around the seed where it was found. Unlike threshold ROIs,
two cells that overlap are told apart by their different activity: a pixel they share is explained
as the sum of both.

Three steps, each a pure function on arrays:

1. :func:`greedy_init` (CaImAn's greedy initialisation) or :func:`correlation_init` (peaks of the
   local correlation image) give seeds, initial footprints and traces;
2. :func:`fit_components` refines them all together by alternating non-negative updates (HALS,
   hierarchical alternating least squares: each footprint, then each trace, is the exact
   non-negative least-squares update with the others held fixed; Cichocki & Phan 2009);
3. :func:`evaluate_components` scores each component as CaImAn does: the SNR of its trace (how
   improbable its largest event is under the noise), the spatial correlation of its footprint
   with the data when it is active, and its size.

:func:`extract_sources` chains 1 and 2. :func:`footprint_masks` and :func:`match_to_truth` compare
footprints and traces with known ones (simulated truth). Conventions: footprints ``(n, Y, X)``,
traces ``(n, T)``; each returned footprint has its brightest pixel equal to 1, so its trace is in
the movie's units at that pixel.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import ndimage, signal, special
from skimage.feature import peak_local_max

from helpers.masks import match_masks
from helpers.movie import local_correlation
from helpers.validate import (as_array, as_movie, check_size, choice, in_range, number, positive,
                              whole_number)

__all__ = ["Extraction", "ComponentQuality", "TruthMatch", "INIT_METHODS", "greedy_init",
           "correlation_init", "fit_components", "extract_sources", "evaluate_components",
           "footprint_masks", "match_to_truth"]

INIT_METHODS = ("greedy", "correlation")
SUPPORT_FACTOR = 2.5
"""Initial footprints (hence fitted ones) reach at most ``SUPPORT_FACTOR * radius_px`` from their
seed: the simulator's somata fade out at 1.85 (up to 2.2 along the long axis of an elongated
cell) times their half-maximum radius."""
MAX_BACKGROUND = 10
_FINETUNE_ITERATIONS = 5       # rank-1 alternations of the greedy initialisation (CaImAn: 5)
_EPS = 1e-12


@dataclasses.dataclass(frozen=True)
class Extraction:
    """Result of :func:`fit_components` / :func:`extract_sources`.

    Attributes
    ----------
    footprints : float64 (n, Y, X)
        Non-negative, each with its brightest pixel 1.
    traces : float64 (n, T)
        Non-negative, in the movie's units at each footprint's brightest pixel.
    background_maps : float64 (n_background, Y, X); background_traces : float64 (n_background, T)
        The low-rank background ``sum_j maps[j] * traces[j, t]`` (empty for ``n_background=0``).
    seeds : int (n, 2)
        ``(y, x)`` of the brightest pixel of each footprint.
    residual : float
        ``||Y - A C - B F|| / ||Y||`` (Frobenius norms) after the last iteration.
    n_iter : int
        Iterations run.
    """

    footprints: np.ndarray
    traces: np.ndarray
    background_maps: np.ndarray
    background_traces: np.ndarray
    seeds: np.ndarray
    residual: float
    n_iter: int


@dataclasses.dataclass(frozen=True)
class ComponentQuality:
    """Result of :func:`evaluate_components`: one value per component.

    ``snr`` (the trace's event exceptionality as a z-score), ``r`` (spatial correlation of the
    footprint with the data when the component is active, -1 to 1), ``size_px`` (pixels above
    half the footprint's peak) and ``accepted`` (all three thresholds passed)."""

    snr: np.ndarray
    r: np.ndarray
    size_px: np.ndarray
    accepted: np.ndarray


@dataclasses.dataclass(frozen=True)
class TruthMatch:
    """Result of :func:`match_to_truth`: one value per TRUE cell.

    ``iou`` of its mask with its partner's footprint mask (0 if unmatched), ``trace_r``
    (Pearson correlation of the partner's trace with the true one; 0 if unmatched or constant),
    ``partner`` (index of the matched component, -1 if none)."""

    iou: np.ndarray
    trace_r: np.ndarray
    partner: np.ndarray


# --------------------------------------------------------------------------- validation

def _pixels(movie) -> tuple[np.ndarray, tuple]:
    """The movie as float64 pixels x time ``(Y*X, T)`` and its frame shape."""
    movie = as_movie(movie)
    if movie.shape[0] < 2 or movie.shape[1] * movie.shape[2] < 2:
        raise ValueError(f"movie must have at least 2 frames and 2 pixels, got shape {movie.shape}")
    check_size(movie.size, "movie", "a float64 copy of the movie")
    return movie.reshape(len(movie), -1).T.astype(np.float64), movie.shape[1:]


def _radius(radius_px, frame_shape) -> float:
    return positive(radius_px, "radius_px", unit="pixels", high=max(frame_shape) / 2,
                    why=f" (the cells' half-maximum radius; the frames are {tuple(frame_shape)} px)")


def _n_components(n_components, n_pixels: int) -> int:
    return whole_number(n_components, "n_components", high=max(1, n_pixels // 4),
                        why=f" (a quarter of the {n_pixels} pixels: more components than that "
                            "cannot be local cells)")


def _n_background(n_background) -> int:
    return whole_number(n_background, "n_background", low=0, high=MAX_BACKGROUND,
                        why=" (a few smooth background components suffice)")


def _n_iter(n_iter) -> int:
    return whole_number(n_iter, "n_iter", high=10_000)


def _factors(footprints, traces, frame_shape, n_frames):
    """Initial footprints ``(n, Y*X)`` and traces ``(n, T)``, checked against the movie."""
    a = as_array(footprints, "footprints", ndim=(2, 3))
    a = a[np.newaxis] if a.ndim == 2 else a
    if a.shape[1:] != tuple(frame_shape):
        raise ValueError(f"footprints have frames of shape {a.shape[1:]} but the movie's frames "
                         f"are {tuple(frame_shape)}")
    c = as_array(traces, "traces", ndim=(1, 2))
    c = c[np.newaxis] if c.ndim == 1 else c
    if c.shape != (len(a), n_frames):
        raise ValueError(f"traces must have shape {(len(a), n_frames)} (one row per footprint, one "
                         f"column per frame of the movie), got {c.shape}")
    if (a < 0).any() or (c < 0).any():
        raise ValueError("footprints and traces must be non-negative (the model is non-negative: "
                         "clip them at 0 first, e.g. np.clip(x, 0, None))")
    a = a.reshape(len(a), -1)
    empty = np.flatnonzero(~(a > 0).any(axis=1))
    if empty.size:
        raise ValueError(f"footprints {empty.tolist()} are all zero: a footprint can only grow "
                         "where it starts non-zero; drop them or give them a support")
    return a, c


# --------------------------------------------------------------------------- initialisation

def _box(centre, half: int, shape) -> tuple[slice, slice]:
    return tuple(slice(max(c - half, 0), min(c + half + 1, n)) for c, n in zip(centre, shape))


def _disk_support(seeds, radius: float, frame_shape) -> np.ndarray:
    """Boolean ``(n, Y, X)``: pixels within ``SUPPORT_FACTOR * radius`` of each seed."""
    ys, xs = np.ogrid[:frame_shape[0], :frame_shape[1]]
    reach = (SUPPORT_FACTOR * radius) ** 2
    return np.stack([(ys - y) ** 2 + (xs - x) ** 2 <= reach for y, x in seeds])


def _rank_one(data: np.ndarray, trace: np.ndarray, n_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank-1 fit ``data (pixels, T) ≈ a c`` with ``a >= 0`` by alternating least squares from
    `trace`. The trace is not clipped (as CaImAn's ``finetune``): subtracting the fit then removes
    the noise along the footprint too, and the seed's energy drops to that of its surroundings."""
    c = trace.astype(np.float64)
    a = np.zeros(len(data))
    for _ in range(n_iter):
        a = np.maximum(data @ c, 0.0) / max(c @ c, _EPS)
        c = (a @ data) / max(a @ a, _EPS)
    return a, c


def _pixel_noise(y: np.ndarray) -> np.ndarray:
    """Noise s.d. of each pixel's trace (rows of `y`): the MAD of its first differences / 0.6745
    / sqrt 2, blind to slow transients; a constant pixel gets the median of the others."""
    diffs = np.diff(y, axis=1)
    mad = np.median(np.abs(diffs - np.median(diffs, axis=1, keepdims=True)), axis=1)
    sd = mad / 0.6745 / math.sqrt(2.0)
    positive_sd = sd[sd > 0]
    return np.where(sd > 0, sd, np.median(positive_sd) if positive_sd.size else 1.0)


def greedy_init(movie, n_components: int, radius_px: float):
    """Seeds, footprints and traces found one after the other (CaImAn's greedy initialisation).

    The movie minus each pixel's median over time, divided by each pixel's noise s.d. (so that
    bright, noisier pixels do not win by their noise alone), is blurred by a Gaussian of s.d.
    ``radius_px / 2`` (zero beyond the edges; it favours cell-sized blobs over single noisy
    pixels); the pixel with the largest energy (sum over time of the squared blurred signal) is the
    next seed. Within ``SUPPORT_FACTOR * radius_px`` of it, a rank-1 fit (a non-negative footprint
    times a trace, five alternations started from the blurred seed trace) is made and
    **subtracted from the movie** before the next seed is sought. So a cell overlapping one
    already found shows up in what is left, and a seed is never taken twice. (The trace is
    clipped at 0 only when returned: subtracting the unclipped fit removes the noise along the
    footprint too, as CaImAn's ``finetune`` does.)

    Parameters
    ----------
    movie : array_like, shape (T, Y, X)
    n_components : int
        How many components to seed (more than there are cells is fine: the extra ones are
        rejected by :func:`evaluate_components`).
    radius_px : float
        Expected half-maximum radius of a cell, in pixels.

    Returns
    -------
    seeds : int (n, 2)
        ``(y, x)`` of each seed, in the order found.
    footprints : float64 (n, Y, X)
        Non-negative, zero outside the disk of radius ``SUPPORT_FACTOR * radius_px`` around the seed.
    traces : float64 (n, T)
        Non-negative.

    Raises
    ------
    ValueError, TypeError
        A movie that is not 3-D or holds NaN, a non-positive radius, too many components.
    """
    y, frame_shape = _pixels(movie)
    radius = _radius(radius_px, frame_shape)
    n = _n_components(n_components, y.shape[0])
    n_frames = y.shape[1]
    noise = _pixel_noise(y)
    residual = ((y - np.median(y, axis=1, keepdims=True)) / noise[:, None]).T.reshape(
        n_frames, *frame_shape)
    sigma = (0.0, radius / 2, radius / 2)
    blurred = ndimage.gaussian_filter(residual, sigma, mode="constant")
    energy = (blurred ** 2).sum(axis=0)
    half = int(math.ceil(SUPPORT_FACTOR * radius))
    reach = int(math.ceil(4 * sigma[1]))  # where blurring the changed box changes anything
    seeds = np.zeros((n, 2), dtype=int)
    footprints = np.zeros((n, *frame_shape))
    traces = np.zeros((n, n_frames))
    for k in range(n):
        seed = np.unravel_index(int(np.argmax(energy)), frame_shape)
        box = _box(seed, half, frame_shape)
        support = _disk_support([seed], radius, frame_shape)[0][box]
        data = residual[(slice(None), *box)][:, support].T
        a, c = _rank_one(data, blurred[(slice(None), *seed)], _FINETUNE_ITERATIONS)
        if not a.any():  # nothing positive left here: a tiny bump keeps the seed's support alive
            a = support[support].astype(float) * _EPS
        seeds[k], traces[k] = seed, np.maximum(c, 0.0)
        footprints[(k, *box)][support] = a * noise.reshape(frame_shape)[box][support]
        patch = residual[(slice(None), *box)]
        patch[:, support] -= np.outer(c, a)
        # Blur again where the subtraction changed it (exact within the inner region).
        outer = _box(seed, half + 2 * reach + 1, frame_shape)
        inner = _box(seed, half + reach, frame_shape)
        reblurred = ndimage.gaussian_filter(residual[(slice(None), *outer)], sigma, mode="constant")
        window = tuple(slice(i.start - o.start, i.stop - o.start) for i, o in zip(inner, outer))
        blurred[(slice(None), *inner)] = reblurred[(slice(None), *window)]
        energy[inner] = (blurred[(slice(None), *inner)] ** 2).sum(axis=0)
        energy[seed] = -np.inf  # never the same seed twice
    return seeds, footprints, traces


def correlation_init(movie, n_components: int, radius_px: float):
    """Seeds at the peaks of the local correlation image, with footprints from correlations.

    Seeds are the ``n_components`` highest local maxima of ``helpers.movie.local_correlation``
    (8 neighbours) at least ``radius_px`` apart (``skimage.feature.peak_local_max``); fewer are
    returned if the image has fewer peaks. The initial footprint of a seed is the correlation of
    every pixel within ``SUPPORT_FACTOR * radius_px`` with the seed pixel's trace (negative values
    set to 0); its initial trace is the seed pixel's trace minus its median, clipped at 0. Two
    cells whose centres are closer than ``radius_px`` get one seed: the difference from
    :func:`greedy_init`, which subtracts what it found before seeking the next seed.

    Parameters, returns and errors as :func:`greedy_init`.
    """
    y, frame_shape = _pixels(movie)
    radius = _radius(radius_px, frame_shape)
    n = _n_components(n_components, y.shape[0])
    image = local_correlation(movie)
    seeds = peak_local_max(image, min_distance=max(1, int(round(radius))), num_peaks=n,
                           exclude_border=False)
    if len(seeds) == 0:
        raise ValueError("the local correlation image has no peak: the movie has no structure "
                         "to seed components from (is it constant?)")
    centred = y - y.mean(axis=1, keepdims=True)
    norms = np.sqrt((centred ** 2).sum(axis=1))
    norms[norms == 0] = np.inf
    support = _disk_support(seeds, radius, frame_shape).reshape(len(seeds), -1)
    footprints = np.zeros((len(seeds), y.shape[0]))
    traces = np.zeros((len(seeds), y.shape[1]))
    for k, seed in enumerate(seeds):
        index = np.ravel_multi_index(tuple(seed), frame_shape)
        inside = support[k]
        footprints[k, inside] = np.maximum(centred[inside] @ centred[index], 0.0) \
            / (norms[inside] * norms[index])
        footprints[k, index] = 1.0
        traces[k] = np.maximum(y[index] - np.median(y[index]), 0.0)
    return seeds.astype(int), footprints.reshape(len(seeds), *frame_shape), traces


# --------------------------------------------------------------------------- fitting

def _initial_background(residual: np.ndarray, n_background: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative ``B (pixels, nb)``, ``F (nb, T)`` to start from: the mean image times a flat
    trace, then the positive parts of the leading singular vectors of what the mean leaves (the
    NNDSVD start of Boutsidis & Gallopoulos 2008)."""
    mean_image = np.maximum(residual.mean(axis=1), 0.0)
    maps, courses = [mean_image], [np.ones(residual.shape[1])]
    if n_background > 1:
        u, s, vt = np.linalg.svd(residual - residual.mean(axis=1, keepdims=True), full_matrices=False)
        for j in range(n_background - 1):
            uj, vj = u[:, j], vt[j]
            pos = np.linalg.norm(np.maximum(uj, 0)) * np.linalg.norm(np.maximum(vj, 0))
            neg = np.linalg.norm(np.maximum(-uj, 0)) * np.linalg.norm(np.maximum(-vj, 0))
            uj, vj = (uj, vj) if pos >= neg else (-uj, -vj)
            maps.append(np.maximum(uj, 0) * math.sqrt(s[j]) + _EPS)
            courses.append(np.maximum(vj, 0) * math.sqrt(s[j]) + _EPS)
    return np.stack(maps, axis=1), np.stack(courses)


def _hals(y, a, c, mask, n_iter, tol):
    """HALS on ``y (P, T) ≈ a (P, K) c (K, T)``, ``a`` zero outside ``mask``; returns a, c, iterations,
    relative residual."""
    norm_y = max(np.linalg.norm(y), _EPS)
    previous = np.inf
    done = 0
    for done in range(1, n_iter + 1):
        u, v = a.T @ y, a.T @ a                     # traces, each with the others fixed
        for k in range(len(c)):
            if v[k, k] > 0:
                c[k] = np.maximum(c[k] + (u[k] - v[k] @ c) / v[k, k], 0.0)
        u, v = y @ c.T, c @ c.T                     # footprints
        for k in range(a.shape[1]):
            if v[k, k] > 0:
                a[:, k] = np.maximum(a[:, k] + (u[:, k] - a @ v[:, k]) / v[k, k], 0.0) * mask[:, k]
        scale = np.sqrt((a ** 2).sum(axis=0))     # keep the two factors balanced
        scale[scale == 0] = 1.0
        a /= scale
        c *= scale[:, None]
        residual = np.linalg.norm(y - a @ c) / norm_y
        if previous - residual < tol * previous:
            break
        previous = residual
    return a, c, done, float(residual)


def fit_components(movie, footprints, traces, *, n_background: int = 1, n_iter: int = 50,
                   tol: float = 1e-5) -> Extraction:
    """Refine footprints and traces together: ``movie ≈ A C + B F``, all non-negative.

    Alternating non-negative least squares by HALS: in each iteration every trace, then every
    footprint (and background map and time course), is replaced by its exact non-negative
    least-squares update with all the others held fixed. Each footprint stays zero wherever its
    initial footprint is zero (the locality constraint: a footprint grows or shrinks only within
    its initial support); background maps may cover the whole field. The background starts from
    the mean of ``movie - A C`` (one component) and, for more, from the leading singular vectors
    of what is left. Components whose footprint or trace end up all zero are dropped.

    Parameters
    ----------
    movie : array_like, shape (T, Y, X)
    footprints : array_like, shape (n, Y, X)
        Non-negative initial footprints (e.g. from :func:`greedy_init`); their non-zero pixels
        are the supports.
    traces : array_like, shape (n, T)
        Non-negative initial traces.
    n_background : int
        Rank of the background term, 0 (none: the components must explain the background too)
        to ``MAX_BACKGROUND``.
    n_iter : int
        Largest number of iterations.
    tol : float
        Stop when an iteration lowers the relative residual by less than this fraction.

    Returns
    -------
    Extraction

    Raises
    ------
    ValueError, TypeError
        Shapes that do not match the movie, negative or all-zero initial factors, NaN, a rank or
        iteration count out of range.
    """
    y, frame_shape = _pixels(movie)
    a, c = _factors(footprints, traces, frame_shape, y.shape[1])
    nb = _n_background(n_background)
    n_iter = _n_iter(n_iter)
    tol = number(tol, "tol", low=0, high=1)
    check_size(y.size * 2, "movie", "the fit's working arrays")
    n = len(a)
    a, c = a.T.copy(), c.copy()
    if nb:
        b, f = _initial_background(y - a @ c, nb)
        a, c = np.hstack([a, b]), np.vstack([c, f])
    mask = np.hstack([a[:, :n] > 0, np.ones((len(y), nb), bool)])
    a, c, done, residual = _hals(y, a, c, mask, n_iter, tol)
    keep = np.flatnonzero((a[:, :n].max(axis=0) > 0) & (c[:n].max(axis=1) > 0))
    peak = a[:, keep].max(axis=0)
    footprints = (a[:, keep] / peak).T.reshape(len(keep), *frame_shape)
    return Extraction(footprints=footprints, traces=c[keep] * peak[:, None],
                      background_maps=a[:, n:].T.reshape(nb, *frame_shape).copy(),
                      background_traces=c[n:].copy(),
                      seeds=np.array([np.unravel_index(int(np.argmax(fp)), frame_shape)
                                      for fp in footprints], dtype=int).reshape(len(keep), 2),
                      residual=residual, n_iter=done)


def extract_sources(movie, n_components: int, radius_px: float, *, init: str = "greedy",
                    n_background: int = 1, n_iter: int = 50) -> Extraction:
    """Source extraction in one call: :func:`greedy_init` (or :func:`correlation_init`), then
    :func:`fit_components`.

    Parameters
    ----------
    movie : array_like, shape (T, Y, X)
    n_components : int
        Components to seed; pick more than the cells you expect and let
        :func:`evaluate_components` reject the extra ones.
    radius_px : float
        Expected half-maximum radius of a cell, in pixels.
    init : {"greedy", "correlation"}
    n_background : int
        Rank of the background term (0 to ``MAX_BACKGROUND``).
    n_iter : int
        Largest number of HALS iterations.

    Returns
    -------
    Extraction
    """
    choice(init, "init", INIT_METHODS)
    start = greedy_init if init == "greedy" else correlation_init
    _, footprints, traces = start(movie, n_components, radius_px)
    return fit_components(movie, footprints, traces, n_background=n_background, n_iter=n_iter)


# --------------------------------------------------------------------------- evaluation

def _exceptionality_snr(traces: np.ndarray, n_consecutive: int) -> np.ndarray:
    """CaImAn's event exceptionality as a z-score: the baseline is the trace's mode, the noise
    s.d. that of its frame-to-frame differences; the log-probability of each value under that
    Gaussian noise, its least sum over `n_consecutive` frames, turned back into the z-score a
    single sample would need to be as improbable on average."""
    md = np.array([_half_sample_mode(trace) for trace in traces])[:, None]
    sd = _pixel_noise(traces)[:, None]
    logp = special.log_ndtr(-(traces - md) / sd)
    window = np.cumsum(logp, axis=1)
    window[:, n_consecutive:] -= window[:, :-n_consecutive]
    fitness = window[:, n_consecutive - 1:].min(axis=1)
    return -special.ndtri_exp(fitness / n_consecutive)


def _half_sample_mode(values: np.ndarray) -> float:
    """The half-sample mode (Bickel & Fruehwirth 2006; CaImAn's ``mode_robust``): repeatedly keep
    the half of the sorted values that spans the shortest range. Unlike the median, it stays at
    the baseline of a trace that is active much of the time."""
    x = np.sort(values)
    while len(x) > 3:
        half = (len(x) + 1) // 2
        start = int(np.argmin(x[half - 1:] - x[:len(x) - half + 1]))
        x = x[start:start + half]
    if len(x) == 3:
        x = x[:2] if x[1] - x[0] < x[2] - x[1] else x[1:] if x[1] - x[0] > x[2] - x[1] else x[1:2]
    return float(x.mean())


def _active_frames(trace: np.ndarray, n_peaks: int, before: int, after: int) -> np.ndarray:
    peaks, props = signal.find_peaks(trace, height=trace.min() + 0.3 * np.ptp(trace))
    if peaks.size == 0:
        return np.empty(0, int)
    top = peaks[np.argsort(props["peak_heights"])[::-1][:n_peaks]]
    frames = (top[:, None] + np.arange(-before, after)[None]).ravel()
    return np.unique(np.clip(frames, 0, len(trace) - 1))


def evaluate_components(movie, extraction: Extraction, *, min_snr: float = 2.5, min_r: float = 0.8,
                        min_size_px: int = 10, n_consecutive: int = 5, n_peaks: int = 5,
                        before_frames: int = 3, after_frames: int = 10) -> ComponentQuality:
    """Which components are cells: CaImAn's three tests (Giovannucci et al. 2019).

    - **SNR** of the trace: the component's trace plus its share of the residual (what the
      model leaves unexplained, projected on the footprint: CaImAn's ``C + YrA``), scored by
      its *event exceptionality*: the baseline is the trace's mode (the half-sample mode, as
      CaImAn), the noise s.d. the MAD of the frame-to-frame differences / 0.6745 / sqrt 2
      (CaImAn uses the values below the mode, which a cell active most of the time inflates);
      each value's probability under that noise is computed, and the least probable run of
      `n_consecutive` frames, as an average, is turned back into a z-score. A trace with real
      transients scores high; noise scores about 1-2.
    - **Spatial correlation** ``r``: around the `n_peaks` largest peaks of the trace (from
      `before_frames` before to `after_frames` after each, leaving out frames where a component
      whose footprint overlaps is active, unless nothing would be left), the movie minus the
      background and minus every *other* component is averaged (the data "when background and
      neighbouring component activity has been removed", as CaImAn's ``classify_components_ep``
      describes it); ``r`` is the Pearson correlation of that image with the footprint over the
      footprint's non-zero pixels. A cell's footprint matches the data when the cell fires; a
      component fitted to noise or to a piece of neuropil matches it less well.
    - **Size**: pixels above half the footprint's peak, at least `min_size_px`.

    A component is accepted when ``snr >= min_snr``, ``r >= min_r`` and the size is large enough
    (CaImAn's defaults are min_SNR 2.5 and rval_thr 0.8; its SNR divides the noise by 3 first,
    this one does not, so its values are about 3 times larger than CaImAn's for the same trace).

    Parameters
    ----------
    movie : array_like, shape (T, Y, X)
        The movie that was factorised.
    extraction : Extraction
        From :func:`fit_components` or :func:`extract_sources`.
    min_snr, min_r : float
    min_size_px, n_consecutive, n_peaks, before_frames, after_frames : int

    Returns
    -------
    ComponentQuality

    Raises
    ------
    ValueError, TypeError
        An extraction that does not fit the movie, thresholds out of range.
    """
    if not isinstance(extraction, Extraction):
        raise TypeError(f"extraction must be the Extraction that fit_components or extract_sources "
                        f"returned, got {type(extraction).__name__}")
    y, frame_shape = _pixels(movie)
    n_frames = y.shape[1]
    a, c = _factors(extraction.footprints, extraction.traces, frame_shape, n_frames) \
        if len(extraction.footprints) else (np.zeros((0, y.shape[0])), np.zeros((0, n_frames)))
    min_snr = number(min_snr, "min_snr", low=-10, high=100)
    min_r = in_range(min_r, "min_r", -1.0, 1.0)
    min_size_px = whole_number(min_size_px, "min_size_px", low=0, high=y.shape[0])
    n_consecutive = whole_number(n_consecutive, "n_consecutive", high=n_frames)
    n_peaks = whole_number(n_peaks, "n_peaks", high=n_frames)
    before = whole_number(before_frames, "before_frames", low=0, high=n_frames)
    after = whole_number(after_frames, "after_frames", high=n_frames)
    background = np.zeros_like(y)
    maps = np.asarray(extraction.background_maps, dtype=np.float64)
    if len(maps):
        background = maps.reshape(len(maps), -1).T @ np.asarray(extraction.background_traces)
    signal_ = y - background
    residual = signal_ - a.T @ c
    raw = c + (a @ residual) / np.maximum((a ** 2).sum(axis=1), _EPS)[:, None]
    snr = _exceptionality_snr(raw, n_consecutive) if len(a) else np.zeros(0)
    unit = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), _EPS)
    overlapping = (unit @ unit.T) > 0.1
    active = [_active_frames(trace, n_peaks, before, after) for trace in c]
    r = np.zeros(len(a))
    for k in range(len(a)):
        frames = set(active[k].tolist())
        for j in np.flatnonzero(overlapping[k]):
            if j != k:
                frames -= set(active[j].tolist())
        frames = np.array(sorted(frames or set(active[k].tolist())), dtype=int)
        pixels = a[k] > 0
        if frames.size == 0 or pixels.sum() < 3:
            continue
        image = residual[pixels][:, frames].mean(axis=1) + a[k, pixels] * c[k, frames].mean()
        if np.ptp(image) > 0 and np.ptp(a[k, pixels]) > 0:
            r[k] = np.corrcoef(image, a[k, pixels])[0, 1]
    size = (a > 0.5 * a.max(axis=1, keepdims=True)).sum(axis=1) if len(a) else np.zeros(0, int)
    accepted = (snr >= min_snr) & (r >= min_r) & (size >= min_size_px)
    return ComponentQuality(snr=snr, r=r, size_px=size, accepted=accepted)


# --------------------------------------------------------------------------- against the truth

def footprint_masks(footprints, fraction: float = 0.5, smooth_px: float = 1.0) -> np.ndarray:
    """Boolean masks of footprints: pixels above `fraction` of each footprint's peak (the
    simulator's true masks are its footprints above 0.5 of their peak), after smoothing.

    A fitted footprint carries the movie's noise, which inflates its peak and shrinks a mask
    cut at half of it. Each footprint is first smoothed by a Gaussian of s.d. `smooth_px` pixels
    (``scipy.ndimage.gaussian_filter``; 0: none): on the simulated movies of
    ``benchmarks/bench_extraction.py`` 1 px raises the median IoU with the true masks from about
    0.63 to 0.8.

    Parameters
    ----------
    footprints : array_like, shape (n, Y, X) or (Y, X)
        Non-negative; none all zero.
    fraction : float
        In (0, 1).
    smooth_px : float
        S.d. of the Gaussian smoothing, in pixels (0 to 10).

    Returns
    -------
    ndarray of bool, same shape as `footprints`
    """
    a = as_array(footprints, "footprints", ndim=(2, 3))
    fraction = in_range(fraction, "fraction", 0.0, 1.0)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be strictly between 0 and 1, got {fraction}")
    smooth_px = number(smooth_px, "smooth_px", low=0, high=10, unit="pixels")
    stack = a[np.newaxis] if a.ndim == 2 else a
    if (a < 0).any() or (stack.max(axis=(1, 2)) <= 0).any():
        raise ValueError("footprints must be non-negative with a positive peak each (drop empty "
                         "footprints first)")
    if smooth_px > 0:
        stack = ndimage.gaussian_filter(stack, (0, smooth_px, smooth_px), mode="constant")
    peak = stack.max(axis=(1, 2), keepdims=True)
    masks = stack > fraction * peak
    return masks[0] if a.ndim == 2 else masks


def match_to_truth(footprints, traces, true_masks, true_traces, *, fraction: float = 0.5,
                   smooth_px: float = 1.0) -> TruthMatch:
    """Pair extracted components with true cells and score them.

    Footprints become masks (:func:`footprint_masks`), paired one-to-one with the true masks to
    maximise the total IoU (``helpers.masks.match_masks``, Hungarian algorithm). For each true cell:
    the IoU with its partner and the Pearson correlation of the partner's trace with the true
    trace (e.g. the simulator's ``truth.calcium``).

    Parameters
    ----------
    footprints : array_like, shape (n, Y, X)
    traces : array_like, shape (n, T)
    true_masks : array_like of bool, shape (m, Y, X)
    true_traces : array_like, shape (m, T)
    fraction, smooth_px : float
        How footprints become masks: see :func:`footprint_masks`.

    Returns
    -------
    TruthMatch
    """
    masks = footprint_masks(footprints, fraction, smooth_px)
    masks = masks[np.newaxis] if masks.ndim == 2 else masks
    c = as_array(traces, "traces", ndim=(1, 2))
    c = c[np.newaxis] if c.ndim == 1 else c
    truth = as_array(true_traces, "true_traces", ndim=(1, 2))
    truth = truth[np.newaxis] if truth.ndim == 1 else truth
    if len(c) != len(masks):
        raise ValueError(f"traces has {len(c)} rows but there are {len(masks)} footprints")
    iou, partner = match_masks(masks, true_masks)
    if len(truth) != len(iou) or truth.shape[1] != c.shape[1]:
        raise ValueError(f"true_traces must have shape {(len(iou), c.shape[1])} (one row per true "
                         f"mask, as many frames as traces), got {truth.shape}")
    trace_r = np.zeros(len(iou))
    for i, j in enumerate(partner):
        if j >= 0 and np.ptp(c[j]) > 0 and np.ptp(truth[i]) > 0:
            trace_r[i] = np.corrcoef(c[j], truth[i])[0, 1]
    return TruthMatch(iou=iou, trace_r=trace_r, partner=partner)
