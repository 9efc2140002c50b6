"""Simulated two-photon calcium imaging with its complete ground truth.

Exercises can only be checked, and methods only validated, on data whose truth is known. This
module generates movies ``(time, y, x)`` and traces ``(neurons, time)`` from an explicit
generative model and returns everything that went into them. The book page *The simulator*
(``book/simulator.md``) explains the model with its literature values and compares it with the
course's real recordings.

Generative model (time ``t`` in seconds, frame ``k`` covers ``[k/fs, (k+1)/fs)``)
---------------------------------------------------------------------------------
1. **Spikes.** Each neuron fires as a Poisson process with its own rate, drawn lognormally
   around ``rate_hz`` (``rate_spread`` is the s.d. of the log rate). Optional *ensembles*: each
   ensemble has Poisson event times (``ensemble_rate_hz``); at each event every member, with
   probability ``ensemble_p``, fires ``ensemble_spikes`` extra spikes, each at the event time
   plus a jitter drawn uniformly in ``[0, 1)`` frame, so in the event's frame or the next.
   Membership is mostly disjoint: 90 % of each ensemble's members come from neurons in no
   earlier ensemble.
   Spike times are continuous; ``spike_frames = floor(spike_times_s * fs)``.
2. **Indicator.** Each spike adds a double-exponential transient
   ``A * (exp(-t/decay_s) - exp(-t/rise_s)) / peak`` whose peak is ``A`` (dF/F0). The time
   constants reproduce the single-spike *time to peak* and *half-decay* measured in mouse V1
   in vivo (Chen et al. 2013, Nature 499:295, Supplementary Table 3): GCaMP6s 179 ms / 550 ms,
   GCaMP6f 45 ms / 142 ms; ``A`` is 0.23 (GCaMP6s) and 0.19 (GCaMP6f) (the values usually
   cited from the same experiment; approximate), varied per neuron lognormally
   (``amplitude_spread``). Transients add linearly (in the simple regime; see below). Each frame holds
   the kernel **averaged over the frame** from the exact sub-frame spike times (computed exactly
   with a two-state recursion), as a detector integrating light over the frame would see it;
   the sampled peak is therefore below ``A``, the more so at low frame rates.
3. **Baseline.** Soma baseline ``f0(t) = F0 * exp(-t/bleach_tau_s) * exp(d(t))``: ``F0``
   lognormal around ``f0``; exponential photobleaching; ``d`` a slow drift, Gaussian-smoothed
   white noise with s.d. ``drift_fraction`` and timescale ``drift_timescale_s``.
4. **Neuropil.** A smooth field ``N(t, y, x) = bleach(t) * B(y, x) * (1 + sum_c w_c(y, x) g_c(t))``:
   a static level ``B`` (tissue background, around ``neuropil_level``) and three activity
   components, each a smooth spatial weight ``w_c`` times its own calcium-like time course
   ``g_c`` (Poisson events at 2 Hz of size ``neuropil_amplitude`` through the same kernel,
   smoothed over 1 s). Somata occlude the neuropil beneath them: inside cell ``i``'s mask the
   field is weighted by ``r_i`` (uniform in ``r_range``), rising smoothly to 1 outside it.
5. **Movie.** ``movie = sum_i footprint_i * soma_i(t) + occluded neuropil``, then photon shot
   noise ``Poisson(photons_per_unit * value) / photons_per_unit`` and Gaussian read noise
   (``read_noise`` per pixel). Footprints are soft elliptical blobs, ``(1 - rho^2)^2`` of the
   scaled elliptical radius, with half-maximum radius drawn from ``radius_px`` and aspect ratio
   1-1.4; ``masks = footprint > 0.5 * peak``. Neighbours may overlap in their soft edges, but no
   footprint reaches into another cell's mask (unless ``max_overlap`` > 0 lets cells overlap,
   two masks sharing at most that fraction of the smaller one). Optional rigid motion: a random walk of
   ``(dy, dx)`` (steps of s.d. ``motion_step_px`` per frame, reflected at ``max_shift_px``)
   applied with cubic-spline ``scipy.ndimage.shift`` to a scene rendered 2 px beyond the
   largest shift around the field of view; frame ``t`` shows ``scene(y - dy, x - dx)``; noise
   is added after the shift. Optional non-rigid motion (``nonrigid_px``): a smooth deformation
   field, bounded by ``nonrigid_px``, added to the rigid shifts and applied with cubic-spline
   ``scipy.ndimage.map_coordinates``; frame ``t`` shows ``scene(y - d_y(t, y, x), x - d_x(t, y,
   x))``, the field ``d`` in ``truth.displacement``.
6. **Traces.** ``traces[i]`` is the mean of the movie over mask ``i``. Because every mask holds
   one soma and the occluded neuropil, exactly in expectation
   ``traces = f0 * (1 + calcium) + r * neuropil``, with ``f0`` the mask mean of the footprint
   times the baseline course and ``neuropil`` the mask mean of the unoccluded field. With
   motion, ``traces`` are what the true masks measure on the motion-free scene (the same
   photon statistics, an independent draw): the motion only moves the picture. Trace-only
   recordings draw the same quantities without images; their noise is the Gaussian equivalent
   of the shot and read noise of an ROI of ``roi_pixels`` pixels.

Two regimes (``regime=``, ``REGIMES``)
-------------------------------------
``"simple"`` (the default; the first-exposure model): what is described above — each neuron's
spikes all add the same transient, linearly, with the zoomed-in single-spike amplitude of Chen
et al. 2013 (0.23 / 0.19 dF/F0); Poisson single spikes; independent neurons; noise from a fixed
photon count per frame. ``"realistic"`` (population imaging as it is, Huang et al. 2021, eLife
10:e51675): single-spike amplitudes of population imaging (median 0.04 dF/F0 for GCaMP6f, as
measured on the course's Allen ground truth; 0.05 for GCaMP6s) varying from neuron to neuron and
from spike to spike (lognormal, s.d. of log 0.5 each); bursts (geometric number of spikes, mean
1.6, 2-30 ms apart); calcium (in units of the indicator's Kd, resting at ``CA_REST_NM``) adding
linearly and dF/F0 following the Hill binding curve of the purified indicator (Chen et al. 2013:
n = 2.90 / 2.27, Kd = 144 / 375 nM), so that small bursts are supralinear and large ones
saturate at ``dff_max``; a slow gain shared by all neurons (brain state, locomotion), which
multiplies the firing rates (and the neuropil's activity) by ``gain ** coupling``; and noise set
by CASCADE's noise level ``noise_nu`` (1.0, the Allen excerpt's 0.93), the photon count scaling
with the frame's duration. Every mechanism is a model parameter and can be switched on alone.

Defaults (``MODEL_DEFAULTS``) were calibrated against the course's real recordings (see the
book page). Results are deterministic for a seed and the arguments, and cached (a few recent
recordings): a repeated call returns the same read-only arrays at once, so no caller can
change what another caller gets. Every function raises ``ValueError``/``TypeError`` for
invalid parameters, naming the parameter and what to do.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import numbers

import numpy as np
import scipy.fft
from scipy import ndimage, signal

from helpers import variants as _variants

__all__ = ["INDICATORS", "MODEL_DEFAULTS", "REGIMES", "CA_REST_NM", "POPULATION_NOISE_NU",
           "MAX_OVERLAP", "GroundTruth", "Recording", "simulate_traces",
           "simulate_movie", "demo_movie", "single_cell_movie", "population_traces"]

# Chen et al. 2013, Supplementary Table 3 (mouse V1 in vivo, one action potential): time to peak
# and half-decay (means). rise_s/decay_s are the double-exponential time constants fitted to
# those two numbers; tests/test_simulate.py checks that the kernel reproduces them.
# ``amplitude``: dF/F0 per spike of zoomed-in cells with viral expression (Chen et al. 2013,
# Fig. 3; approximate). The realistic regime's keys (see REGIMES and the book page):
# ``amplitude_population``: median dF/F0 of one spike under population-imaging conditions —
# GCaMP6f measured on the course's Allen ground-truth recording (isolated single spikes of
# ds11, median 0.045; 0.035 in ds06), GCaMP6s scaled from its zoomed-in value by the same
# ratio (0.23 x 0.04 / 0.19); ``hill_n`` and ``kd_nM``: Hill coefficient and apparent Kd of the
# purified protein (Chen et al. 2013, Table 1; quoted, not re-read here); ``dff_max``: saturating
# dF/F0 in vivo (a choice: above the largest transients of the Allen excerpt, 4.1, and of the
# GCaMP6s ground truth ds16, about 3).
INDICATORS = {
    "GCaMP6s": {"name": "GCaMP6s", "amplitude": 0.23, "time_to_peak_s": 0.179,
                "half_decay_s": 0.550, "rise_s": 0.0706, "decay_s": 0.6860,
                "amplitude_population": 0.05, "hill_n": 2.90, "kd_nM": 144.0, "dff_max": 5.0},
    "GCaMP6f": {"name": "GCaMP6f", "amplitude": 0.19, "time_to_peak_s": 0.045,
                "half_decay_s": 0.142, "rise_s": 0.0175, "decay_s": 0.1783,
                "amplitude_population": 0.04, "hill_n": 2.27, "kd_nM": 375.0, "dff_max": 5.0},
}

CA_REST_NM = 50.0
"""Resting free calcium (nM) assumed by the Hill nonlinearity (an assumption, within the few tens
of nM usually reported for neurons at rest); with ``kd_nM`` it sets where on the binding curve a
neuron at rest sits."""

MODEL_DEFAULTS = {
    "rate_hz": 0.1,              # median Poisson firing rate, Hz
    "rate_spread": 0.8,          # s.d. of the natural log of the per-neuron rates
    "amplitude_spread": 0.3,     # s.d. of the log of the per-neuron dF/F0 per spike
    "f0": 70.0,                  # median soma baseline F0, a.u. (mask mean)
    "f0_spread": 0.3,            # s.d. of log F0
    "neuropil_level": 110.0,     # median neuropil (and background) level, a.u.
    "neuropil_amplitude": 0.02,  # dF/F0 of the neuropil per neuropil event (2 Hz)
    "r_range": (0.5, 0.9),       # true contamination ratio r, uniform in this range
    "bleach_tau_s": 1800.0,      # photobleaching time constant, s (math.inf: none)
    "drift_fraction": 0.03,      # s.d. of the slow multiplicative drift of F0
    "drift_timescale_s": 30.0,   # Gaussian smoothing s.d. of that drift, s
    "photons_per_unit": 0.17,    # photons per a.u. per pixel per frame (math.inf: no shot noise)
    "read_noise": 2.0,           # Gaussian read noise per pixel, a.u.
    "n_ensembles": 0,
    "ensemble_size": (10, 20),   # members per ensemble, inclusive range
    "ensemble_rate_hz": 0.03,    # event rate of each ensemble, Hz
    "ensemble_p": 0.8,           # probability that a member fires at an event
    "ensemble_spikes": 1,        # spikes a participating member fires at an event
    # Realistic-regime mechanisms; these defaults switch them off (the simple, linear regime).
    "amplitude": None,           # median dF/F0 of one spike; None: the indicator's for the regime
    "spike_amplitude_spread": 0.0,  # s.d. of log of each spike's calcium, spike to spike
    "burst_spikes": 1.0,         # mean spikes per firing event (geometric number); 1: no bursts
    "nonlinearity": "linear",    # "linear" or "hill": calcium-to-fluorescence saturation
    "gain_modulation": 1.0,      # shared gain: rate ratio between +1 and -1 s.d. of the state
    "gain_timescale_s": 10.0,    # Gaussian smoothing s.d. of the shared state, s
    "noise_nu": None,            # CASCADE noise level to calibrate to; None: photons_per_unit
}

REGIMES = {
    # The first-exposure regime: one kernel per neuron, linear sums, Poisson single spikes,
    # independent neurons, zoomed-in single-spike amplitudes (Chen et al. 2013).
    "simple": {},
    # Population imaging as it is (Huang et al. 2021): see the book page for every source.
    "realistic": {
        "rate_hz": 0.4,                  # ds11 and ds02 fire at 0.38 Hz; gives the Allen event rate
        "amplitude_spread": 0.5,         # neuron to neuron, s.d. of log
        "spike_amplitude_spread": 0.5,   # spike to spike, s.d. of log
        "burst_spikes": 1.6,             # 60 % single spikes, 24 % doublets, 10 % triplets, ...
        "nonlinearity": "hill",
        "gain_modulation": 3.0,
        "gain_timescale_s": 10.0,
        "noise_nu": 1.0,                 # the Allen excerpt: median nu 0.93 at 30 Hz
    },
}
"""Parameter values of each regime, on top of ``MODEL_DEFAULTS``; arguments override them."""

_MAX_VALUES = 2**25             # largest array (or number of spikes) a call may make: 256 MiB
_MAX_RATE_HZ = 100.0            # firing rates, Hz
_MAX_SPREAD = 3.0               # s.d. of log-normal spreads and of the relative drift
_MAX_LEVEL = 1e6                # fluorescence levels (a.u.) and photons per unit
_MIN_FS, _MAX_FS = 1e-3, 1e4    # frame rate, Hz
_MAX_PLACEMENT_WORK = 2e9       # pixel comparisons spent placing cells before giving up (seconds)
_PLACEMENT_ROUNDS = 4           # fresh starts of a jammed cell placement (see _place_cells)
MASK_FRACTION = 0.5              # masks = footprint > MASK_FRACTION * its peak
MAX_OVERLAP = 0.8                # largest max_overlap: cells sharing more cannot be told apart
_N_NEUROPIL_COMPONENTS = 3
_NEUROPIL_EVENT_RATE_HZ = 2.0
_NEUROPIL_SMOOTHING_S = 1.0
# Spikes within a burst follow each other after 2 ms (refractory) plus an exponential wait of mean
# 8 ms: intervals of 2-30 ms, as in the bursts of the ground-truth recordings (ds11: 20 of its 49
# intervals are below 50 ms).
_BURST_REFRACTORY_S, _BURST_WAIT_S = 0.002, 0.008
_MEDIAN_ABS_DIFF = 0.6745 * math.sqrt(2.0)  # median |x[t+1] - x[t]| / s.d., white Gaussian noise
_SUPPORT = 1.0 / math.sqrt(1.0 - math.sqrt(MASK_FRACTION))  # support radius / half-max radius
_CACHE_SIZE = 4
# Independent random streams, so that switching one part (e.g. motion) leaves the others alone.
# New streams go at the end: SeedSequence.spawn gives child i the same seed whatever the count.
_STREAMS = ("cells", "spikes", "indicator", "baseline", "neuropil", "noise", "motion", "state",
            "spike_amplitudes",
            "deformation")


@dataclasses.dataclass(frozen=True, repr=False)
class GroundTruth:
    """Everything that went into a simulated recording (see the module docstring for the model).

    Arrays are read-only. ``n`` neurons, ``T`` frames. Trace-only recordings have ``None`` for
    the image fields.

    Attributes
    ----------
    footprints : float32 (n, Y, X) or None
        Each soma's brightness image (a.u.) in scene coordinates.
    masks : bool (n, Y, X) or None
        ``footprints > 0.5 * peak``: the true ROI of each neuron; masks never overlap (unless
        the movie was made with ``max_overlap`` > 0).
    spike_frames, spike_times_s : list of n int / float arrays
        Spike times of each neuron in frames and seconds; ``floor(spike_times_s * fs)``.
    spikes : int32 (n, T)
        Spike counts per frame.
    calcium : float64 (n, T)
        Noiseless indicator signal, dF/F0 as a fraction (0 at rest), averaged over each frame.
    f0 : float64 (n, T)
        True soma baseline including bleaching and drift (a.u.).
    neuropil : float64 (n, T)
        Neuropil (and background) signal reaching each ROI before scaling by ``r`` (a.u.).
    r : float64 (n,)
        True contamination ratio: ``traces = f0 * (1 + calcium) + r * neuropil + noise``.
    noise_sd : float64 (n,)
        S.d. of the additive noise of ``traces`` (shot noise at the mean level, plus read noise).
    shifts : float64 (T, 2)
        Rigid motion ``(dy, dx)`` in pixels: frame t shows ``scene(y - dy, x - dx)``.
    ensembles : list of int arrays
        Member neuron ids of each planted ensemble (empty list if none).
    ensemble_event_frames, ensemble_event_times_s : list of int / float arrays
        Event times of each ensemble.
    indicator : dict
        ``name``, ``rise_s`` and ``decay_s`` (kernel time constants), ``amplitude`` (dF/F0 per
        spike, median over neurons), ``time_to_peak_s``, ``half_decay_s`` (literature values).
    params : dict
        Every parameter used, including the seed.
    rates_hz : float64 (n,)
        Background Poisson rate of each neuron (ensemble spikes come on top).
    spike_amplitude : float64 (n,)
        dF/F0 per spike of each neuron.
    neuropil_maps : float32 (k, Y, X) or None; neuropil_timecourses : float64 (k, T) or None
        The occluded neuropil field as imaged: ``sum_k timecourses[k, t] * maps[k]``.
    gain : float64 (T,) or None
        Shared slow gain (brain state) multiplying the firing rates, mean 1 over the recording;
        None without shared modulation (``gain_modulation=1``, the simple regime).
    gain_coupling : float64 (n,) or None
        Each neuron's exponent on the gain: its background rate follows ``gain ** coupling``
        (normalised to mean 1); 0 is unmodulated, 2 twice as strongly (on a log scale).
    displacement : float32 (T, 2, Y, X) or None
        With non-rigid motion (``nonrigid_px > 0``): the true displacement ``(dy, dx)`` of every
        pixel of every frame, rigid part included: frame t shows ``scene(y - d[t, 0, y, x],
        x - d[t, 1, y, x])`` for ``d = displacement``. None otherwise (``shifts`` then describes
        all the motion).
    """

    footprints: np.ndarray | None
    masks: np.ndarray | None
    spike_frames: list
    spike_times_s: list
    spikes: np.ndarray
    calcium: np.ndarray
    f0: np.ndarray
    neuropil: np.ndarray
    r: np.ndarray
    noise_sd: np.ndarray
    shifts: np.ndarray
    ensembles: list
    ensemble_event_frames: list
    ensemble_event_times_s: list
    indicator: dict
    params: dict
    rates_hz: np.ndarray
    spike_amplitude: np.ndarray
    neuropil_maps: np.ndarray | None = None
    neuropil_timecourses: np.ndarray | None = None
    gain: np.ndarray | None = None
    gain_coupling: np.ndarray | None = None
    displacement: np.ndarray | None = None

    def __repr__(self):
        n, T = self.spikes.shape
        regime = self.params.get("regime", "simple")
        regime = "" if regime == "simple" else f"{regime} regime, "
        return (f"GroundTruth({n} neurons x {T} frames, {int(self.spikes.sum())} spikes, "
                f"{self.indicator['name']}, {regime}{len(self.ensembles)} ensembles, "
                f"{'with' if self.shifts.any() or self.displacement is not None else 'no'} motion"
                f"{' (non-rigid)' if self.displacement is not None else ''})")


@dataclasses.dataclass(frozen=True, repr=False)
class Recording:
    """A simulated recording: ``fs`` (Hz), ``movie`` float32 ``(T, Y, X)`` or None,
    ``traces`` float64 ``(n, T)`` (raw fluorescence, mean over each true mask) and ``truth``."""

    fs: float
    movie: np.ndarray | None
    traces: np.ndarray
    truth: GroundTruth

    def __repr__(self):
        movie = "no movie" if self.movie is None else f"movie {self.movie.shape} float32"
        return f"Recording(fs={self.fs:g} Hz, {movie}, traces {self.traces.shape}, {self.truth!r})"


# --------------------------------------------------------------------------- public functions

def simulate_traces(n_neurons=100, n_frames=3000, fs=30.0, indicator="GCaMP6s", seed=0, *,
                    roi_pixels=50, regime="simple", **model):
    """Simulate fluorescence traces (no movie) with their ground truth.

    Each trace is what the mean over an ROI of ``roi_pixels`` pixels would measure:
    ``F = f0 * (1 + calcium) + r * neuropil + noise``, the noise being Gaussian with the
    variance of the photon shot noise and read noise of that many pixels (the model of the
    module docstring, without images).

    Parameters
    ----------
    n_neurons, n_frames : int
        Shape of the traces ``(n_neurons, n_frames)``.
    fs : float
        Frame rate in Hz.
    indicator : {"GCaMP6s", "GCaMP6f"}
        Indicator kinetics and amplitude (``INDICATORS``); case is ignored.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed and arguments give the same result.
    roi_pixels : int
        Pixels per ROI; sets the noise level with ``photons_per_unit`` and ``read_noise``
        (unless ``noise_nu`` sets it).
    regime : {"simple", "realistic"}
        ``"simple"`` (default): the first-exposure model — every spike of a neuron adds the
        same transient, transients add linearly, neurons fire independently (Poisson), single
        spikes are as large as in zoomed-in cells (Chen et al. 2013). ``"realistic"``:
        population imaging as it is — small single-spike transients that vary from spike to
        spike, bursts, a saturating Hill nonlinearity, a slow gain shared across neurons and
        noise set by CASCADE's noise level ``noise_nu`` (``REGIMES`` lists the values; the
        book page gives their sources). Any model argument overrides the regime's value.
    **model
        Any of ``MODEL_DEFAULTS`` (rates, amplitudes, F0, neuropil, bleaching, drift, noise,
        ensembles, and the realistic regime's mechanisms), e.g. ``rate_hz=0.5, n_ensembles=3``
        or ``gain_modulation=3.0`` (a shared gain alone, in the simple regime).

    Returns
    -------
    Recording
        ``movie`` is None; ``truth.footprints`` and ``truth.masks`` are None.

    Raises
    ------
    ValueError, TypeError
        For a non-positive size or frame rate, negative rates or spreads, an unknown indicator
        or model parameter, ensembles larger than the population, and the like.
    """
    params = _model_params(model, regime)
    params.update(n_neurons=_count(n_neurons, "n_neurons"), n_frames=_count(n_frames, "n_frames"),
                  fs=_frame_rate(fs), indicator=_indicator_name(indicator), seed=_seed(seed),
                  roi_pixels=_count(roi_pixels, "roi_pixels"))
    _check_amplitude(params)
    _calibrate_photons(params, params["roi_pixels"])
    _check_ensembles_fit(params, params["n_neurons"], "n_neurons")
    _check_workload(params, params["n_neurons"], params["n_frames"])
    return _fresh(_build_traces(_key(params)))


def simulate_movie(n_cells=12, shape=(2000, 60, 80), fs=30.0, indicator="GCaMP6s", seed=0, *,
                   radius_px=(3.0, 6.0), motion=False, max_shift_px=3.0, motion_step_px=0.3,
                   nonrigid_px=0.0, nonrigid_wavelength_px=60.0,
                   max_overlap=0.0,
                   regime="simple", **model):
    """Simulate a two-photon movie of somata with neuropil, noise and optional motion.

    See the module docstring for the model. ``rec.traces`` are the means of the movie over the
    true masks (for a movie with motion: over the motion-free scene); exactly in expectation
    ``traces = f0 * (1 + calcium) + r * neuropil``.

    Parameters
    ----------
    n_cells : int
        Number of somata, placed at random so that no footprint reaches into another's mask.
    shape : (int, int, int)
        Movie shape ``(T, Y, X)``: frames, rows, columns.
    fs : float
        Frame rate in Hz.
    indicator : {"GCaMP6s", "GCaMP6f"}
        Indicator kinetics and amplitude (``INDICATORS``); case is ignored.
    seed : int
        Seed; the same seed and arguments give the same movie, and with ``motion`` switched the
        same cells, spikes and neuropil.
    radius_px : (float, float)
        Range of the cells' half-maximum radii in pixels (the mask radius); footprints fade
        out at 1.85 times that radius.
    motion : bool
        Apply a random walk of rigid sub-pixel shifts (``truth.shifts``).
    max_shift_px, motion_step_px : float
        Bound of the shifts and s.d. of their step per frame, in pixels.
    nonrigid_px : float
        Bound of a smooth non-rigid deformation added to the rigid shifts (0, the default: none),
        in pixels along each axis; ``truth.displacement`` holds the whole true field. Along each
        axis the deformation is ``nonrigid_px / 3 * sum_k w_k(t) phi_k(y, x)``: three smooth
        random maps ``phi_k`` (sums of plane waves, zero mean over the field, largest magnitude
        1) whose weights ``w_k(t)`` walk at random between -1 and 1 (steps of s.d.
        ``motion_step_px / nonrigid_px``), so the field moves about as fast as the rigid shifts.
        The frames are resampled with cubic splines (``scipy.ndimage.map_coordinates``).
    nonrigid_wavelength_px : float
        Shortest wavelength of the plane waves of the deformation maps, in pixels (wavelengths
        are drawn from 1 to 3 times it): the larger, the smoother the deformation.
    max_overlap : float
        0 (the default): no footprint reaches into another cell's mask. Above 0 (at most
        ``MAX_OVERLAP``): cells may overlap, two masks sharing at most this fraction of the
        smaller one's pixels; ``truth.masks`` then overlap, each mask's trace also collects the
        overlapping neighbours' light (``traces = f0 * (1 + calcium) + r * neuropil`` holds only
        for cells that overlap none), and somata stacked on each other occlude the neuropil at
        most fully. For source extraction, where threshold ROIs merge touching cells.
    regime : {"simple", "realistic"}
        The first-exposure model or population imaging as it is: see ``simulate_traces``.
    **model
        Any of ``MODEL_DEFAULTS``.

    Returns
    -------
    Recording
        ``movie`` float32 ``(T, Y, X)``; ``traces`` ``(n_cells, T)``.

    Raises
    ------
    ValueError, TypeError
        For an impossible shape, cells that do not fit in the field (or too many to place),
        negative rates, an unknown indicator or parameter, and the like.
    """
    params = _model_params(model, regime)
    shape = _shape(shape)
    radius = _pair(radius_px, "radius_px", low=0.5)
    if 2 * _SUPPORT * radius[1] * math.sqrt(1.4) > min(shape[1:]):
        raise ValueError(f"cells of radius up to {radius[1]} px do not fit in a {shape[1]} x "
                         f"{shape[2]} px field: use a smaller radius_px or a larger shape")
    params.update(n_cells=_count(n_cells, "n_cells", maximum=max(1, shape[1] * shape[2] // 10)),
                  shape=shape, fs=_frame_rate(fs),
                  indicator=_indicator_name(indicator), seed=_seed(seed), radius_px=radius,
                  motion=_flag(motion, "motion"),
                  max_shift_px=_number(max_shift_px, "max_shift_px", low=0,
                                       high=max(shape[1:]), unit="pixels"),
                  motion_step_px=_number(motion_step_px, "motion_step_px", low=0,
                                         high=max(shape[1:]), unit="pixels"))
    params.update(max_overlap=_number(max_overlap, "max_overlap", low=0, high=MAX_OVERLAP,
                                      unit="(a fraction of the smaller mask)"))
    params.update(nonrigid_px=_number(nonrigid_px, "nonrigid_px", low=0, high=max(shape[1:]),
                                      unit="pixels"),
                  nonrigid_wavelength_px=_number(nonrigid_wavelength_px, "nonrigid_wavelength_px",
                                                 low=4.0, high=1e4, unit="pixels"))
    if params["nonrigid_px"] > 0 and 2 * shape[0] * shape[1] * shape[2] > _MAX_VALUES:
        raise ValueError(f"the true displacement field of nonrigid_px would hold 2 x {shape[0]} x "
                         f"{shape[1]} x {shape[2]} values, more than the simulator's limit of "
                         f"{_MAX_VALUES:.3g}: simulate fewer frames or a smaller field (shape)")
    _check_amplitude(params)
    # A mask holds about pi r^2 pixels (an ellipse of the same mean radius has the same area).
    _calibrate_photons(params, math.pi * (radius[0] ** 2 + radius[0] * radius[1] + radius[1] ** 2)
                       / 3)  # pi E[r^2] for r uniform in radius_px
    _check_ensembles_fit(params, params["n_cells"], "n_cells")
    pad = 2 * (math.ceil(params["max_shift_px"]) + 2) if params["motion"] else 0
    pad += 2 * math.ceil(params["nonrigid_px"]) + (4 if params["nonrigid_px"] and not pad else 0)
    _check_workload(params, params["n_cells"], shape[0], (shape[1] + pad) * (shape[2] + pad))
    return _fresh(_build_movie(_key(params)))


def demo_movie(seed=0, *, n_frames=2000, height=60, width=80, n_cells=12, fs=30.0,
               indicator="GCaMP6s", rate_hz=0.2, motion=False, regime="simple", **options):
    """A demo-like movie: 2000 frames x 60 x 80 px at 30 Hz, GCaMP6s, 12 cells of radius
    3-6 px firing at 0.2 Hz (median), neuropil, bleaching and drift, shot and read noise;
    ``motion=True`` adds a random walk of rigid shifts; ``regime="realistic"`` the realistic
    regime (``REGIMES``). Every argument (and any of ``simulate_movie``'s) can be overridden."""
    return simulate_movie(n_cells=n_cells, shape=(n_frames, height, width), fs=fs,
                          indicator=indicator, seed=seed, rate_hz=rate_hz, motion=motion,
                          regime=regime, **options)


def single_cell_movie(seed=0, *, n_frames=1000, height=40, width=40, fs=30.0,
                      indicator="GCaMP6s", radius_px=(6.0, 8.0), rate_hz=0.5, regime="simple",
                      **options):
    """One soma (radius 6-8 px) in a 40 x 40 px field, 1000 frames at 30 Hz, GCaMP6s, firing at
    0.5 Hz. Every argument (and any of ``simulate_movie``'s) can be overridden."""
    return simulate_movie(n_cells=1, shape=(n_frames, height, width), fs=fs, indicator=indicator,
                          seed=seed, radius_px=radius_px, rate_hz=rate_hz, regime=regime, **options)


POPULATION_NOISE_NU = 3.0
"""CASCADE noise level of ``population_traces(regime="realistic")``: a large field of view at
4.8 Hz collects few photons per neuron. It mirrors the course's one real population recording
at a low frame rate (zebrafish pDp, OGB-1, 7.5 Hz: median nu 2.96) and is what the simple
preset already has (2.85)."""


def population_traces(seed=0, *, n_neurons=324, n_frames=15000, fs=4.8, indicator="GCaMP6s",
                      rate_hz=0.05, n_ensembles=5, ensemble_size=(10, 20), ensemble_spikes=2,
                      bleach_tau_s=10000.0, regime="simple", **options):
    """Population traces like the course's 324 x 15 000 table at 4.8 Hz (GCaMP6s, 52 min):
    sparse background firing (0.05 Hz median) and 5 planted ensembles of 10-20 neurons whose
    members fire 2 spikes at an event (a single GCaMP6s spike is hard to see at 4.8 Hz);
    slower bleaching (27 % over the session). With ``regime="realistic"`` the noise level is
    ``noise_nu=POPULATION_NOISE_NU`` (3.0) unless given. Every argument (and any of
    ``simulate_traces``'s) can be overridden."""
    if regime == "realistic" and "photons_per_unit" not in options:
        options.setdefault("noise_nu", POPULATION_NOISE_NU)
    return simulate_traces(n_neurons=n_neurons, n_frames=n_frames, fs=fs, indicator=indicator,
                           seed=seed, rate_hz=rate_hz, n_ensembles=n_ensembles,
                           ensemble_size=ensemble_size, ensemble_spikes=ensemble_spikes,
                           bleach_tau_s=bleach_tau_s, regime=regime, **options)


# --------------------------------------------------------------------------- validation

def _number(value, name, *, low=None, high=None, low_open=False, allow_inf=False, unit=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{' in ' + unit if unit else ''}, got {value!r}")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}"
                         f"{' ' + unit if unit else ''}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def _count(value, name, minimum=1, maximum=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return int(value)


def _pair(value, name, *, low=0.0, high=None, integer=False):
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {value!r}") from None
    check = (lambda v, n: _count(v, n, int(low))) if integer else \
        (lambda v, n: _number(v, n, low=low, high=high))
    lo, hi = check(lo, f"{name}[0]"), check(hi, f"{name}[1]")
    if lo > hi:
        raise ValueError(f"{name} must be (low, high) with low <= high, got {value!r}")
    return lo, hi


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _frame_rate(fs):
    fs = _number(fs, "fs", low=0, low_open=True, high=_MAX_FS, unit="Hz")
    if fs < _MIN_FS:
        raise ValueError(f"fs must be at least {_MIN_FS:g} Hz (a frame every {1 / _MIN_FS:g} s), "
                         f"got {fs:g}: is it in Hz?")
    return fs


def _seed(seed):
    return _count(seed, "seed", minimum=0)


def _shape(shape):
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be (T, Y, X), got {shape!r}") from None
    if len(dims) != 3:
        raise ValueError(f"shape must have three entries (T, Y, X), got {shape!r}")
    return tuple(_count(d, f"shape[{i}]") for i, d in enumerate(dims))


def _indicator_name(indicator):
    known = {name.lower(): name for name in INDICATORS}
    if not isinstance(indicator, str) or indicator.lower() not in known:
        raise ValueError(f"unknown indicator {indicator!r}: choose one of {sorted(INDICATORS)}")
    return known[indicator.lower()]


def _model_params(model, regime="simple"):
    unknown = sorted(set(model) - set(MODEL_DEFAULTS))
    if unknown:
        raise TypeError(f"unknown parameter(s) {unknown}; the model's parameters are "
                        f"{sorted(MODEL_DEFAULTS)}")
    if not isinstance(regime, str) or regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}: choose one of {sorted(REGIMES)} (\"simple\" "
                         "is the first-exposure model, \"realistic\" population imaging as it is)")
    if "photons_per_unit" in model:
        if model.get("noise_nu") is not None:
            raise TypeError("give photons_per_unit or noise_nu, not both: noise_nu sets the photon "
                            "count that gives that CASCADE noise level")
        model = {"noise_nu": None, **model}
    p = {**MODEL_DEFAULTS, **REGIMES[regime], **model, "regime": regime}
    # Upper bounds: far beyond any recording, and low enough that no sum, exponential or Poisson
    # draw of the model overflows.
    for name, high in (("rate_hz", _MAX_RATE_HZ), ("ensemble_rate_hz", _MAX_RATE_HZ),
                       ("rate_spread", _MAX_SPREAD), ("amplitude_spread", _MAX_SPREAD),
                       ("f0_spread", _MAX_SPREAD), ("drift_fraction", _MAX_SPREAD),
                       ("neuropil_level", _MAX_LEVEL), ("read_noise", _MAX_LEVEL),
                       ("neuropil_amplitude", 10.0)):
        p[name] = _number(p[name], name, low=0, high=high)
    p["f0"] = _number(p["f0"], "f0", low=0, low_open=True, high=_MAX_LEVEL)
    p["drift_timescale_s"] = _number(p["drift_timescale_s"], "drift_timescale_s", low=0, low_open=True)
    p["bleach_tau_s"] = _number(p["bleach_tau_s"], "bleach_tau_s", low=0, low_open=True, allow_inf=True)
    p["photons_per_unit"] = _number(p["photons_per_unit"], "photons_per_unit", low=0, low_open=True,
                                    allow_inf=True)
    if math.isfinite(p["photons_per_unit"]) and p["photons_per_unit"] > _MAX_LEVEL:
        raise ValueError(f"photons_per_unit must be at most {_MAX_LEVEL:g} (or math.inf for no shot "
                         f"noise), got {p['photons_per_unit']:g}")
    p["r_range"] = _pair(p["r_range"], "r_range", low=0.0, high=1.0)
    p["ensemble_p"] = _number(p["ensemble_p"], "ensemble_p", low=0, high=1)
    p["n_ensembles"] = _count(p["n_ensembles"], "n_ensembles", minimum=0, maximum=1000)
    p["ensemble_spikes"] = _count(p["ensemble_spikes"], "ensemble_spikes", maximum=100)
    p["ensemble_size"] = _pair(p["ensemble_size"], "ensemble_size", low=1, integer=True)
    if p["amplitude"] is not None:
        p["amplitude"] = _number(p["amplitude"], "amplitude", low=0, low_open=True, high=10.0,
                                 unit="dF/F0 (a fraction)")
    p["spike_amplitude_spread"] = _number(p["spike_amplitude_spread"], "spike_amplitude_spread",
                                          low=0, high=_MAX_SPREAD)
    p["burst_spikes"] = _number(p["burst_spikes"], "burst_spikes", low=1, high=100,
                                unit="spikes per firing event")
    if p["nonlinearity"] not in ("linear", "hill"):
        raise ValueError(f"nonlinearity must be \"linear\" or \"hill\", got {p['nonlinearity']!r}")
    p["gain_modulation"] = _number(p["gain_modulation"], "gain_modulation", low=1, high=1000,
                                   unit="(a rate ratio; 1: no shared gain)")
    p["gain_timescale_s"] = _number(p["gain_timescale_s"], "gain_timescale_s", low=0, low_open=True,
                                    high=1e6, unit="s")
    if p["noise_nu"] is not None:
        p["noise_nu"] = _number(p["noise_nu"], "noise_nu", low=0, low_open=True, high=1000)
    return p


def _check_amplitude(p):
    """Under the Hill nonlinearity a spike cannot raise dF/F0 beyond saturation."""
    ind = INDICATORS[p["indicator"]]
    amplitude = p["amplitude"]
    if p["nonlinearity"] == "hill" and amplitude is not None and amplitude >= 0.5 * ind["dff_max"]:
        raise ValueError(f"amplitude={p['amplitude']:g} dF/F0 per spike is at least half the "
                         f"saturating dF/F0 of {ind['name']} ({ind['dff_max']:g}) under "
                         "nonlinearity=\"hill\": use a smaller amplitude (a fraction, not %)")


def _calibrate_photons(p, roi_pixels):
    """With ``noise_nu`` set, choose ``photons_per_unit`` so that a typical ROI (median F0 and
    neuropil, mean r) has that CASCADE noise level: per-frame dF/F0 noise
    ``nu * sqrt(fs) / (100 * 0.954)`` (the median |difference| of white noise is 0.954 s.d.).
    The photons then scale with the frame's duration, as in a microscope."""
    if p["noise_nu"] is None:
        return
    sd = p["noise_nu"] * math.sqrt(p["fs"]) / (100.0 * _MEDIAN_ABS_DIFF)
    level = p["f0"] + 0.5 * sum(p["r_range"]) * p["neuropil_level"]
    shot = roi_pixels * (sd * p["f0"]) ** 2 - p["read_noise"] ** 2
    if shot <= 0:
        raise ValueError(f"noise_nu={p['noise_nu']:g} is below what the read noise alone gives "
                         f"(read_noise={p['read_noise']:g} a.u. per pixel): use a larger noise_nu "
                         "or a smaller read_noise")
    p["photons_per_unit"] = min(level / shot, _MAX_LEVEL)


def _check_workload(params, n, n_frames, scene_pixels=0):
    """Refuse parameters whose arrays, spike counts or smoothing would exhaust memory or time.

    `scene_pixels`: the pixels of the (padded) scene of a movie, 0 for traces."""
    fs = params["fs"]
    duration = n_frames / fs
    # The largest background rate of n lognormal neurons stays below exp(6 spread) x the median.
    spikes = n * duration * params["rate_hz"] * math.exp(min(6 * params["rate_spread"], 50.0))
    spikes += (params["n_ensembles"] * params["ensemble_rate_hz"] * duration
               * params["ensemble_size"][1] * params["ensemble_spikes"])
    spikes += _N_NEUROPIL_COMPONENTS * _NEUROPIL_EVENT_RATE_HZ * duration
    drift_frames = params["drift_timescale_s"] * fs
    gain_frames = params["gain_timescale_s"] * fs if params["gain_modulation"] > 1 else 0.0
    checks = ((n_frames * scene_pixels, f"a movie of {n_frames} frames of {scene_pixels} pixels",
               "shape"),
              ((n + _N_NEUROPIL_COMPONENTS + 1) * scene_pixels,
               f"{n} footprints of {scene_pixels} pixels", "the frame size, n_cells or max_shift_px"),
              (n * n_frames, f"{n} neurons x {n_frames} frames", "n_neurons or n_cells, n_frames"),
              (n * (n_frames + 4 * drift_frames), f"{n} drifts smoothed over {drift_frames:.3g} frames",
               "n_neurons or n_cells, drift_timescale_s or fs"),
              (n_frames + 4 * gain_frames, f"a shared state smoothed over {gain_frames:.3g} frames",
               "gain_timescale_s or fs"),
              (spikes, f"about {spikes:.3g} spikes and neuropil events",
               "rate_hz, rate_spread or n_frames / fs"))
    for size, what, names in checks:
        if size > _MAX_VALUES:
            raise ValueError(f"these parameters ({names}) would make {what}, more than the "
                             f"simulator's limit of {_MAX_VALUES:.3g} values: memory would run "
                             "out. Simulate a smaller recording (or check the units: fs in Hz, "
                             "times in seconds)")


def _check_ensembles_fit(params, n, name):
    if params["n_ensembles"] and params["ensemble_size"][1] > n:
        raise ValueError(f"ensemble_size up to {params['ensemble_size'][1]} needs at least that "
                         f"many neurons, but {name}={n}")


# --------------------------------------------------------------------------- caching

def _key(params):
    # Per-student variants (helpers.variants; off unless an instructor turns them on) are part of
    # the key: each student's recordings are cached apart. Off, the key is what it always was.
    variant = _variants.current()
    return tuple(sorted({**params, "variant": variant}.items() if variant else params.items()))


def _read_only(value):
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, list):
        for item in value:
            _read_only(item)
    return value


def _fresh(rec):
    """A copy of a cached recording sharing its read-only arrays but not its lists and dicts."""
    truth = rec.truth
    copies = {f.name: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
              for f in dataclasses.fields(truth) for v in [getattr(truth, f.name)]}
    return dataclasses.replace(rec, truth=GroundTruth(**copies))


def _finish(fs, movie, traces, truth_fields):
    for value in (movie, traces, *truth_fields.values()):
        _read_only(value)
    return Recording(fs=fs, movie=movie, traces=traces, truth=GroundTruth(**truth_fields))


# --------------------------------------------------------------------------- temporal model

def _streams(seed, variant=()):
    """The named random streams of a recording; a student's variant (words) is mixed into the seed."""
    entropy = [seed, *variant] if variant else seed
    return dict(zip(_STREAMS, (np.random.default_rng(s)
                               for s in np.random.SeedSequence(entropy).spawn(len(_STREAMS)))))


def _lognormal(rng, median, spread, n):
    return median * np.exp(spread * rng.standard_normal(n))


def _spike_trains(rng, p, n, n_frames, gain=None, coupling=None):
    """Background Poisson spikes plus ensemble spikes, as sorted (neuron, time) arrays."""
    fs, duration = p["fs"], n_frames / p["fs"]
    rates = _lognormal(rng, p["rate_hz"], p["rate_spread"], n)
    if gain is None and p["burst_spikes"] == 1:
        counts = rng.poisson(rates * duration)
        neuron = [np.repeat(np.arange(n), counts)]
        times = [rng.uniform(0.0, duration, counts.sum())]
    else:
        background = _modulated_bursts(rng, p, rates, n_frames, gain, coupling)
        neuron, times = [background[0]], [background[1]]
    ensembles, event_times = [], []
    used = np.zeros(n, bool)
    for _ in range(p["n_ensembles"]):
        size = int(rng.integers(p["ensemble_size"][0], p["ensemble_size"][1] + 1))
        n_fresh = min(int(np.ceil(0.9 * size)), int((~used).sum()))
        members = rng.choice(np.flatnonzero(~used), n_fresh, replace=False)
        others = np.setdiff1d(np.arange(n), members)
        extra = rng.choice(others, size - n_fresh, replace=False)
        members = np.sort(np.concatenate([members, extra]))
        used[members] = True
        # Events end a frame early so that every jittered member spike stays in the recording.
        events = np.sort(rng.uniform(0.0, duration - 1.0 / fs,
                                     rng.poisson(p["ensemble_rate_hz"] * (duration - 1.0 / fs))))
        fires = rng.random((events.size, members.size)) < p["ensemble_p"]
        ev, member = np.nonzero(np.repeat(fires, p["ensemble_spikes"], axis=0))
        ev //= p["ensemble_spikes"]
        neuron.append(members[member])
        times.append(events[ev] + rng.uniform(0.0, 1.0 / fs, ev.size))
        ensembles.append(members)
        event_times.append(events)
    neuron, times = np.concatenate(neuron), np.concatenate(times)
    order = np.lexsort((times, neuron))
    return neuron[order], times[order], rates, ensembles, event_times


def _modulated_bursts(rng, p, rates, n_frames, gain, coupling):
    """Background spikes of the realistic regime: firing events (a burst of a geometric number
    of spikes, mean ``burst_spikes``) whose rate follows the shared gain, ``gain ** coupling``
    normalised to mean 1 per neuron, so that each neuron's mean spike rate stays ``rates``.
    Event counts are drawn per frame (Poisson), their times uniform within the frame."""
    fs, n = p["fs"], rates.size
    event_rate = rates / p["burst_spikes"] / fs               # events per frame, on average
    neuron, frame = [], []
    for rows in _row_blocks(n, n_frames):
        expected = np.broadcast_to(event_rate[rows, None], (rows.stop - rows.start, n_frames))
        if gain is not None:
            modulation = np.exp(coupling[rows, None] * np.log(gain)[None, :])
            expected = expected * (modulation / modulation.mean(axis=1, keepdims=True))
        counts = rng.poisson(expected)
        row, col = np.nonzero(counts)
        repeats = counts[row, col]
        neuron.append(np.repeat(row + rows.start, repeats))
        frame.append(np.repeat(col, repeats))
    neuron, frame = np.concatenate(neuron), np.concatenate(frame)
    onset = (frame + rng.random(frame.size)) / fs
    if p["burst_spikes"] == 1:
        return neuron, onset
    size = rng.geometric(1.0 / p["burst_spikes"], onset.size)  # spikes per event, mean burst_spikes
    extra = size - 1
    interval = _BURST_REFRACTORY_S + rng.exponential(_BURST_WAIT_S, extra.sum())
    elapsed = np.cumsum(interval)
    first = np.repeat(np.cumsum(extra) - extra, extra)          # each event's first interval
    offset = elapsed - np.where(first > 0, elapsed[np.maximum(first - 1, 0)], 0.0)
    times = np.concatenate([onset, np.repeat(onset, extra) + offset])
    neuron = np.concatenate([neuron, np.repeat(neuron, extra)])
    inside = times < n_frames / fs
    return neuron[inside], times[inside]


def _shared_gain(rng, p, n, n_frames):
    """The slow state shared by all neurons (brain state, locomotion): ``gain(t) =
    exp(log(gain_modulation) / 2 * z(t))`` for a unit-variance Gaussian-smoothed noise ``z`` of
    s.d. ``gain_timescale_s``, normalised to mean 1 — so +1 and -1 s.d. of the state differ by
    the factor ``gain_modulation``. Each neuron's coupling exponent is uniform in [0, 2]."""
    if p["gain_modulation"] == 1:
        return None, None
    z = _smooth_noise(rng, 1, n_frames, p["gain_timescale_s"] * p["fs"])[0]
    gain = np.exp(0.5 * math.log(p["gain_modulation"]) * z)
    return gain / gain.mean(), rng.uniform(0.0, 2.0, n)


def _hill(ind):
    """Hill coefficient, resting calcium (in units of Kd) and its bound fraction."""
    n_hill, rest = ind["hill_n"], CA_REST_NM / ind["kd_nM"]
    return n_hill, rest, rest ** n_hill / (1.0 + rest ** n_hill)


def _hill_dff(calcium_kd, ind):
    """dF/F0 of calcium ``calcium_kd`` above rest (in units of Kd): ``dff_max * (B(rest + c) -
    B(rest)) / (1 - B(rest))`` with the bound fraction ``B(x) = x^n / (1 + x^n)``."""
    n_hill, rest, bound_rest = _hill(ind)
    x = (rest + calcium_kd) ** n_hill
    return ind["dff_max"] * (x / (1.0 + x) - bound_rest) / (1.0 - bound_rest)


def _hill_increment(dff, ind):
    """The calcium step (units of Kd) that raises dF/F0 from rest by ``dff`` (inverse of _hill_dff)."""
    n_hill, rest, bound_rest = _hill(ind)
    bound = bound_rest + np.minimum(dff, 0.95 * ind["dff_max"]) * (1.0 - bound_rest) / ind["dff_max"]
    return (bound / (1.0 - bound)) ** (1.0 / n_hill) - rest


def _row_blocks(n, n_frames):
    """Slices of rows holding about a million values each: working block by block keeps every
    temporary array small (large fresh arrays are slow to allocate on some systems)."""
    step = max(1, 2 ** 20 // n_frames)
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _frame_averaged_kernel(neuron, times, weights, n, n_frames, fs, tau_rise, tau_decay):
    """Sum over spikes of ``weight * (exp(-t/tau_decay) - exp(-t/tau_rise))``, averaged over
    each frame ``[k/fs, (k+1)/fs)``, from the exact spike times; ``neuron`` must be sorted.

    For one exponential with state ``X_k`` (its value at the start of frame k), the frame mean is
    ``tau/dt * ((1 - a) X_k + n_k - u_k)`` and ``X_{k+1} = a X_k + u_k``, where ``a = exp(-dt/tau)``,
    ``n_k`` sums the weights of the spikes inside frame k and ``u_k`` sums
    ``weight * exp(-(end of frame - spike time)/tau)`` over them.
    """
    dt = 1.0 / fs
    frame = np.minimum((times * fs).astype(np.int64), n_frames - 1)
    to_end = (frame + 1) * dt - times
    out = np.zeros((n, n_frames))
    for rows in _row_blocks(n, n_frames):
        lo, hi = np.searchsorted(neuron, [rows.start, rows.stop])
        flat = (neuron[lo:hi] - rows.start) * n_frames + frame[lo:hi]
        size, shape = (rows.stop - rows.start) * n_frames, (rows.stop - rows.start, n_frames)
        inside = np.bincount(flat, weights[lo:hi], minlength=size).reshape(shape)
        for tau, sign in ((tau_decay, 1.0), (tau_rise, -1.0)):
            a = math.exp(-dt / tau)
            u = np.bincount(flat, weights[lo:hi] * np.exp(-to_end[lo:hi] / tau), minlength=size)
            u = u.reshape(shape)
            state = signal.lfilter([0.0, 1.0], [1.0, -a], u, axis=1)
            out[rows] += sign * (tau / dt) * ((1.0 - a) * state + inside - u)
    return out


def _kernel_peak(tau_rise, tau_decay):
    t_peak = tau_rise * tau_decay / (tau_decay - tau_rise) * math.log(tau_decay / tau_rise)
    return math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise)


def _smooth_noise(rng, n, n_frames, sigma_frames):
    """Gaussian-smoothed white noise with unit variance (smoothing s.d. in frames), made in the
    Fourier domain on a padded length so that the ends do not wrap into each other."""
    length = scipy.fft.next_fast_len(n_frames + int(4 * sigma_frames) + 1, real=True)
    gain = np.exp(-2.0 * (np.pi * sigma_frames * np.fft.rfftfreq(length)) ** 2)
    scale = 1.0 / math.sqrt(np.sum(np.fft.irfft(gain, n=length) ** 2))  # impulse response energy
    white = rng.standard_normal((n, length))
    smooth = scipy.fft.irfft(scipy.fft.rfft(white, axis=1) * gain, n=length, axis=1)
    return smooth[:, :n_frames] * scale


def _temporal(streams, p, n, n_frames):
    """Spikes, calcium, soma baseline and neuropil time courses shared by movies and traces."""
    fs = p["fs"]
    ind = INDICATORS[p["indicator"]]
    gain, coupling = _shared_gain(streams["state"], p, n, n_frames)
    neuron, times, rates, ensembles, event_times = _spike_trains(streams["spikes"], p, n, n_frames,
                                                                 gain, coupling)
    frame = np.minimum((times * fs).astype(np.int64), n_frames - 1)
    spikes = np.zeros((n, n_frames), np.int32)
    np.add.at(spikes, (neuron, frame), 1)
    median_amplitude = p["amplitude"] if p["amplitude"] is not None else \
        ind["amplitude_population" if p["regime"] == "realistic" else "amplitude"]
    amplitude = _lognormal(streams["indicator"], median_amplitude, p["amplitude_spread"], n)
    peak = _kernel_peak(ind["rise_s"], ind["decay_s"])
    if p["nonlinearity"] == "linear" and p["spike_amplitude_spread"] == 0:
        calcium = _frame_averaged_kernel(neuron, times, amplitude[neuron] / peak, n, n_frames, fs,
                                         ind["rise_s"], ind["decay_s"])
    else:
        # Each spike brings its own amount of calcium (lognormal around the neuron's); under the
        # Hill nonlinearity calcium (in units of Kd) adds linearly and dF/F0 saturates.
        per_spike = np.exp(p["spike_amplitude_spread"]
                           * streams["spike_amplitudes"].standard_normal(neuron.size))
        step = _hill_increment(amplitude, ind) if p["nonlinearity"] == "hill" else amplitude
        calcium = _frame_averaged_kernel(neuron, times, step[neuron] * per_spike / peak, n,
                                         n_frames, fs, ind["rise_s"], ind["decay_s"])
        if p["nonlinearity"] == "hill":
            for rows in _row_blocks(n, n_frames):
                calcium[rows] = _hill_dff(np.maximum(calcium[rows], 0.0), ind)
    r = streams["indicator"].uniform(*p["r_range"], n)

    bleach = np.exp(-np.arange(n_frames) / fs / p["bleach_tau_s"])
    rng = streams["baseline"]
    f0_level = _lognormal(rng, p["f0"], p["f0_spread"], n)
    f0 = np.empty((n, n_frames))
    for rows in _row_blocks(n, n_frames):
        drift = _smooth_noise(rng, rows.stop - rows.start, n_frames, p["drift_timescale_s"] * fs)
        f0[rows] = f0_level[rows, None] * bleach * np.exp(p["drift_fraction"] * drift)

    rng = streams["neuropil"]
    k = _N_NEUROPIL_COMPONENTS
    if gain is None:
        n_events = rng.poisson(_NEUROPIL_EVENT_RATE_HZ * n_frames / fs, k)
        np_times = rng.uniform(0.0, n_frames / fs, n_events.sum())
    else:  # the neuropil, the local population's activity, follows the shared state too
        counts = rng.poisson(_NEUROPIL_EVENT_RATE_HZ / fs * np.broadcast_to(gain, (k, n_frames)))
        component, event_frame = np.nonzero(counts)
        repeats = counts[component, event_frame]
        n_events = np.bincount(component, repeats, minlength=k).astype(np.int64)
        np_times = (np.repeat(event_frame, repeats) + rng.random(repeats.sum())) / fs
    g = _frame_averaged_kernel(np.repeat(np.arange(k), n_events), np_times,
                               np.full(np_times.size, p["neuropil_amplitude"] / peak),
                               k, n_frames, fs, ind["rise_s"], ind["decay_s"])
    g = ndimage.gaussian_filter1d(g, _NEUROPIL_SMOOTHING_S * fs, axis=1, mode="nearest")

    split = np.cumsum(np.bincount(neuron, minlength=n))[:-1]
    truth = dict(
        spike_frames=np.split(frame, split), spike_times_s=np.split(times, split), spikes=spikes,
        calcium=calcium, f0=f0, r=r, ensembles=ensembles,
        ensemble_event_frames=[(e * fs).astype(np.int64) for e in event_times],
        ensemble_event_times_s=event_times,
        indicator={key: ind[key] for key in ("name", "rise_s", "decay_s", "amplitude",
                                             "time_to_peak_s", "half_decay_s")},
        rates_hz=rates, spike_amplitude=amplitude, shifts=np.zeros((n_frames, 2)),
        gain=gain, gain_coupling=coupling)
    if median_amplitude != ind["amplitude"]:
        truth["indicator"]["amplitude"] = median_amplitude
    if p["nonlinearity"] == "hill":
        truth["indicator"].update({key: ind[key] for key in ("hill_n", "kd_nM", "dff_max")},
                                  ca_rest_nM=CA_REST_NM)
    return truth, f0_level, bleach, g


# --------------------------------------------------------------------------- traces

@functools.lru_cache(maxsize=_CACHE_SIZE)
def _build_traces(key):
    p = dict(key)
    n, n_frames = p["n_neurons"], p["n_frames"]
    streams = _streams(p["seed"], p.get("variant", ()))
    truth, _, bleach, g = _temporal(streams, p, n, n_frames)
    rng = streams["cells"]
    level = _lognormal(rng, p["neuropil_level"], 0.15, n)
    weights = rng.dirichlet(np.ones(_N_NEUROPIL_COMPONENTS), n)
    neuropil, traces = np.empty((n, n_frames)), np.empty((n, n_frames))
    noise_sd = np.empty(n)
    f0, calcium, r = truth["f0"], truth["calcium"], truth["r"]
    for rows in _row_blocks(n, n_frames):
        neuropil[rows] = bleach * level[rows, None] * (1.0 + weights[rows] @ g)
        expected = f0[rows] * (1.0 + calcium[rows]) + r[rows, None] * neuropil[rows]
        variance = (expected / p["photons_per_unit"] + p["read_noise"] ** 2) / p["roi_pixels"]
        noise_sd[rows] = np.sqrt(variance.mean(axis=1))
        noise = streams["noise"].standard_normal(expected.shape)
        traces[rows] = expected + np.sqrt(variance) * noise
    truth.update(footprints=None, masks=None, neuropil=neuropil, params=p, noise_sd=noise_sd)
    return _finish(p["fs"], None, traces, truth)


# --------------------------------------------------------------------------- movies

def _blob(centre, radius, aspect, angle, ys, xs):
    """Soft elliptical blob ``(1 - rho^2)^2``, about half its peak at ``radius`` along the mean
    axis and exactly 0 beyond ``_SUPPORT * radius``; scaled so that its brightest pixel is 1."""
    dy, dx = ys - centre[0], xs - centre[1]
    u = dy * math.cos(angle) + dx * math.sin(angle)
    v = -dy * math.sin(angle) + dx * math.cos(angle)
    rho2 = (u / math.sqrt(aspect)) ** 2 + (v * math.sqrt(aspect)) ** 2
    rho2 /= (_SUPPORT * radius) ** 2
    blob = np.where(rho2 < 1.0, (1.0 - rho2) ** 2, 0.0)
    return blob / max(blob.max(), 1e-12)


def _place_cells(rng, p):
    """Random cells, each mask inside the field and untouched by any other footprint.

    Sequential placement can jam: the first cells leave gaps too small for the rest although
    another arrangement would hold them all. A jammed round starts again from an empty field
    (drawing on from the same stream, so the result stays reproducible) up to
    ``_PLACEMENT_ROUNDS`` times, within one budget of work."""
    _, height, width = p["shape"]
    ys, xs = np.mgrid[:height, :width].astype(float)
    cells, shapes = [], []
    attempts = work = rounds = 0
    while len(cells) < p["n_cells"]:
        attempts += 1
        work += height * width * (1 + len(shapes))  # pixels compared by this attempt
        if attempts > 100 * p["n_cells"] + 1000 and rounds + 1 < _PLACEMENT_ROUNDS \
                and work <= _MAX_PLACEMENT_WORK:
            cells, shapes, attempts, rounds = [], [], 0, rounds + 1
            continue
        if attempts > 100 * p["n_cells"] + 1000 or work > _MAX_PLACEMENT_WORK:
            raise ValueError(f"could not place n_cells={p['n_cells']} cells of radius_px="
                             f"{p['radius_px']} in a {height} x {width} px field without a footprint "
                             "reaching into another cell's mask" + (
                                 f" by more than max_overlap={p['max_overlap']:g} of a mask"
                                 if p.get("max_overlap", 0.0) > 0 else "") +
                             ": use fewer cells, smaller radii or a larger field (shape)")
        cell = (rng.uniform(0, height - 1), rng.uniform(0, width - 1)), \
            rng.uniform(*p["radius_px"]), rng.uniform(1.0, 1.4), rng.uniform(0.0, np.pi)
        shape = _blob(*cell, ys, xs)
        mask = shape > MASK_FRACTION
        border = mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any()
        if border or mask.sum() < 3:
            continue
        if p.get("max_overlap", 0.0) == 0 and any(
                ((s > 0) & mask).any() or ((shape > 0) & (s > MASK_FRACTION)).any() for s in shapes):
            continue
        if p.get("max_overlap", 0.0) > 0 and _overlaps_too_much(mask, shapes, p["max_overlap"]):
            continue
        cells.append(cell)
        shapes.append(shape)
    return cells


def _overlaps_too_much(mask, shapes, max_overlap):
    """With ``max_overlap`` > 0: whether `mask` shares more than that fraction of the smaller of
    two masks with the mask of any placed cell (``shapes``)."""
    for s in shapes:
        other = s > MASK_FRACTION
        if (mask & other).sum() > max_overlap * min(mask.sum(), other.sum()):
            return True
    return False


def _smooth_field(rng, n_waves=8, min_wavelength=30.0):
    """A random smooth function of (y, x) with zero mean and unit variance: a sum of plane
    waves of wavelength >= min_wavelength px, which can be evaluated on any grid."""
    wavelength = rng.uniform(min_wavelength, 3 * min_wavelength, n_waves)
    direction = rng.uniform(0, 2 * np.pi, n_waves)
    phase = rng.uniform(0, 2 * np.pi, n_waves)
    ky, kx = 2 * np.pi / wavelength * np.sin(direction), 2 * np.pi / wavelength * np.cos(direction)

    def field(ys, xs):
        waves = np.cos(ky[:, None, None] * ys + kx[:, None, None] * xs + phase[:, None, None])
        return waves.sum(axis=0) * math.sqrt(2.0 / n_waves)
    return field


def _random_walk(rng, p):
    n_frames, bound = p["shape"][0], p["max_shift_px"]
    if not p["motion"] or bound == 0:
        return np.zeros((n_frames, 2))
    walk = np.cumsum(rng.normal(0.0, p["motion_step_px"], (n_frames, 2)), axis=0)
    return _reflect(walk, bound)


def _reflect(walk, bound):
    """A random walk reflected at +-bound."""
    folded = np.mod(walk + bound, 4 * bound)
    return np.where(folded > 2 * bound, 4 * bound - folded, folded) - bound


_N_DEFORMATION_MODES = 3


def _deformation(rng, p, ys, xs):
    """The non-rigid part of the motion as ``(maps, weights)``: smooth maps ``(2, k, Y, X)``
    (zero mean, largest magnitude 1) and their random-walk weights ``(T, 2, k)`` in [-1, 1];
    None without non-rigid motion. See ``_displacement``."""
    if p["nonrigid_px"] == 0:
        return None
    k = _N_DEFORMATION_MODES
    maps = np.stack([_smooth_field(rng, min_wavelength=p["nonrigid_wavelength_px"])(ys, xs)
                     for _ in range(2 * k)])
    maps -= maps.mean(axis=(1, 2), keepdims=True)
    maps /= np.maximum(np.abs(maps).max(axis=(1, 2), keepdims=True), 1e-12)
    step = p["motion_step_px"] / p["nonrigid_px"]
    weights = _reflect(np.cumsum(rng.normal(0.0, step, (p["shape"][0], 2 * k)), axis=0), 1.0)
    return maps.reshape(2, k, *ys.shape), weights.reshape(-1, 2, k)


def _displacement(deformation, frames, shifts, nonrigid_px):
    """Displacement field ``(t, 2, Y, X)`` of the `frames` (a slice) with rigid `shifts`
    ``(t, 2)``: the shifts plus ``nonrigid_px / k * sum_k weights[t, axis, k] * maps[axis, k]``."""
    maps, weights = deformation
    field = np.einsum("tak,akyx->tayx", weights[frames], maps) * (nonrigid_px / maps.shape[1])
    return field + shifts[:, :, None, None]


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _build_movie(key):
    p = dict(key)
    n, (n_frames, height, width) = p["n_cells"], p["shape"]
    streams = _streams(p["seed"], p.get("variant", ()))
    truth, f0_level, bleach, g = _temporal(streams, p, n, n_frames)
    rng = streams["cells"]
    cells = _place_cells(rng, p)
    shifts = _random_walk(streams["motion"], p)
    moving = p["motion"] or p["nonrigid_px"] > 0
    pad = int(math.ceil(np.abs(shifts).max() + p["nonrigid_px"])) + 2 if moving else 0
    ys, xs = np.mgrid[-pad:height + pad, -pad:width + pad].astype(float)
    fov = (slice(pad, pad + height), slice(pad, pad + width))
    deformation = _deformation(streams["deformation"], p, ys[fov], xs[fov])
    displacement = None if deformation is None else np.empty((n_frames, 2, height, width),
                                                             np.float32)

    shapes = np.stack([_blob(*cell, ys, xs) for cell in cells])
    masks = shapes[(slice(None), *fov)] > MASK_FRACTION
    npix = masks.sum(axis=(1, 2))
    brightness = f0_level / (shapes[(slice(None), *fov)] * masks).sum(axis=(1, 2)) * npix
    footprints = shapes * brightness[:, None, None]
    occlusion = 1.0 - np.tensordot(1.0 - truth["r"], np.clip(shapes / MASK_FRACTION, 0, 1), 1)
    if p.get("max_overlap", 0.0) > 0:  # stacked somata occlude at most all of the neuropil
        occlusion = np.clip(occlusion, 0.0, None)
    fields = [_smooth_field(rng)(ys, xs) for _ in range(_N_NEUROPIL_COMPONENTS + 1)]
    level = p["neuropil_level"] * np.exp(0.15 * fields[0])
    weights = np.exp(np.stack(fields[1:]))
    weights /= weights.sum(axis=0)
    # The scene is low-rank: temporal factors (T, m) times spatial factors (m, pixels).
    maps = np.concatenate([level[None], level * weights])                     # unoccluded
    timecourses = np.vstack([bleach, bleach * g])
    soma = truth["f0"] / f0_level[:, None] * (1.0 + truth["calcium"])
    temporal = np.vstack([soma, timecourses]).T
    spatial = np.concatenate([footprints, maps * occlusion]).reshape(n + len(maps), -1)

    mask_mean = masks.reshape(n, -1).T / npix                                # (pixels, n)
    neuropil = np.ascontiguousarray(
        (timecourses.T @ (maps[(slice(None), *fov)].reshape(len(maps), -1) @ mask_mean)).T)
    expected = truth["f0"] * (1.0 + truth["calcium"]) + truth["r"][:, None] * neuropil
    if p.get("max_overlap", 0.0) > 0:  # a mask also collects the light of overlapping neighbours
        scene = spatial.reshape(len(spatial), *ys.shape)[(slice(None), *fov)]
        expected = (temporal @ (scene.reshape(len(spatial), -1) @ mask_mean)).T
    gain, read = p["photons_per_unit"], p["read_noise"]
    noise_rng = streams["noise"]
    movie = np.empty((n_frames, height, width), np.float32)
    traces = np.empty((n, n_frames))
    for start in range(0, n_frames, 256):
        chunk = (temporal[start:start + 256] @ spatial).reshape(-1, *ys.shape)
        if deformation is not None:
            frames = slice(start, start + 256)
            field = _displacement(deformation, frames, shifts[frames], p["nonrigid_px"])
            displacement[start:start + 256] = field
            grid = np.mgrid[pad:pad + height, pad:pad + width].astype(float)
            chunk = np.stack([ndimage.map_coordinates(frame, grid - f, order=3, mode="nearest")
                              for frame, f in zip(chunk, field)])
        elif p["motion"]:
            chunk = np.stack([ndimage.shift(frame, s, order=3, mode="nearest")[fov]
                              for frame, s in zip(chunk, shifts[start:start + 256])])
        chunk = np.clip(chunk, 0.0, None)
        if math.isfinite(gain):
            chunk = noise_rng.poisson(chunk * gain) / gain
        if read > 0:
            chunk += read * noise_rng.standard_normal(chunk.shape)
        movie[start:start + 256] = chunk
        traces[:, start:start + 256] = (movie[start:start + 256].reshape(len(chunk), -1)
                                        .astype(np.float64) @ mask_mean).T
    if moving:
        # What the masks would measure without motion; a sum of Poisson pixels is Poisson.
        traces = (noise_rng.poisson(expected * npix[:, None] * gain) / (gain * npix[:, None])
                  if math.isfinite(gain) else expected.copy())
        traces += read / np.sqrt(npix)[:, None] * noise_rng.standard_normal(traces.shape)
    variance = (expected.mean(axis=1) / gain + read ** 2) / npix
    truth.update(footprints=footprints[(slice(None), *fov)].astype(np.float32), masks=masks,
                 neuropil=neuropil, params=p, noise_sd=np.sqrt(variance), shifts=shifts,
                 neuropil_maps=(maps * occlusion)[(slice(None), *fov)].astype(np.float32),
                 neuropil_timecourses=timecourses)
    truth.update(displacement=displacement)
    return _finish(p["fs"], movie, traces, truth)


# --------------------------------------------------------------------------- calibration

def _summary_statistics(dff, fs):
    """Figures that compare simulated and real dF/F0 traces ``(neurons, time)``, each the
    median over neurons: ``noise`` (robust s.d.: MAD of the first differences / 0.6745 / sqrt 2),
    ``amplitude`` (99th percentile of dF/F0) and ``event_rate_per_min`` (runs of frames above
    2 noise s.d. over the trace's median that reach 4 s.d., per minute)."""
    dff = np.asarray(dff, dtype=np.float64)
    diffs = np.diff(dff, axis=1)
    mad = np.median(np.abs(diffs - np.median(diffs, axis=1, keepdims=True)), axis=1)
    noise = mad / 0.6745 / math.sqrt(2.0)
    z = (dff - np.median(dff, axis=1, keepdims=True)) / noise[:, None]
    runs, n_runs = ndimage.label(z > 2, structure=[[0, 0, 0], [1, 1, 1], [0, 0, 0]])  # along time
    peak = np.asarray(ndimage.maximum(z, runs, np.arange(1, n_runs + 1)))
    row = np.array([run[0].start for run in ndimage.find_objects(runs)], dtype=np.int64)
    events = np.bincount(row[peak > 4], minlength=dff.shape[0])
    minutes = dff.shape[1] / fs / 60.0
    return {"noise": float(np.median(noise)),
            "amplitude": float(np.median(np.percentile(dff, 99, axis=1))),
            "event_rate_per_min": float(np.median(events / minutes))}


def _neuropil_to_soma(soma, neuropil):
    """Median over ROIs of median(neuropil) / median(soma trace): the neuropil's level
    relative to the raw ROI fluorescence."""
    return float(np.median(np.median(neuropil, axis=1) / np.median(soma, axis=1)))


def _single_spike_kernel(t, ind):
    """The indicator's single-spike transient (peak 1) at times ``t`` after the spike (s)."""
    lag = np.clip(t, 0.0, None)
    kernel = np.exp(-lag / ind["decay_s"]) - np.exp(-lag / ind["rise_s"])
    return np.where(t > 0, kernel, 0.0) / _kernel_peak(ind["rise_s"], ind["decay_s"])


def _clean_spike_events(spike_times_s, start_s, end_s, gap_s, pre_s, post_s):
    """Spikes grouped into events (intervals < gap_s) with no other spike within ``pre_s`` before
    an event's first spike or ``post_s`` after its last: ``(onsets_s, spike_counts)``."""
    spikes = np.sort(np.asarray(spike_times_s, dtype=np.float64))
    if spikes.size == 0:
        return np.empty(0), np.empty(0, np.int64)
    cut = np.flatnonzero(np.diff(spikes) >= gap_s) + 1
    first, last = spikes[np.r_[0, cut]], spikes[np.r_[cut - 1, spikes.size - 1]]
    count = np.diff(np.r_[0, cut, spikes.size])
    clean = ((first - np.r_[-np.inf, last[:-1]] > pre_s) & (np.r_[first[1:], np.inf] - last > post_s)
             & (first - pre_s >= start_s) & (last + post_s <= end_s))
    return first[clean], count[clean]


def _template_amplitudes(dff, frame_times_s, onsets_s, ind, baseline_s):
    """Least-squares amplitude of the single-spike kernel starting at each onset, with a constant
    baseline, fitted over ``[onset - baseline_s, onset + 3 decay_s]``: dF/F0 at the peak."""
    lo = np.searchsorted(frame_times_s, onsets_s - baseline_s)
    hi = np.searchsorted(frame_times_s, onsets_s + 3 * ind["decay_s"])
    out = np.empty(len(onsets_s))
    width = int((hi - lo).max()) if len(onsets_s) else 0
    step = max(1, 2 ** 20 // max(width, 1))  # onsets per block: about a million values
    for start in range(0, len(onsets_s), step):
        block = slice(start, start + step)
        index = lo[block, None] + np.arange(width)
        valid = index < hi[block, None]
        index = np.minimum(index, len(dff) - 1)
        lag = frame_times_s[index] - onsets_s[block, None]
        kernel = np.where(valid, _single_spike_kernel(lag, ind), 0.0)
        y = np.where(valid, dff[index], 0.0)
        n = valid.sum(axis=1)
        sk, sy, skk, sky = kernel.sum(1), y.sum(1), (kernel ** 2).sum(1), (kernel * y).sum(1)
        out[block] = (n * sky - sk * sy) / (n * skk - sk ** 2)
    return out


def _spike_event_statistics(dff, frame_times_s, spike_times_s, indicator, *, gap_s=0.1, pre_s=None,
                            post_s=1.0, baseline_s=0.5, false_positive_rate=0.01, null_step_s=0.05):
    """Per-event amplitudes and detectability of spikes, the same way for real and simulated data.

    ``dff``, ``frame_times_s`` and ``spike_times_s`` are lists (one entry per neuron or
    recording). Spikes closer than ``gap_s`` form one event (1 AP, 2 AP, ...); events with another
    spike within ``pre_s`` (default: 1 s for GCaMP6f, 2 s for the slower GCaMP6s) before or
    ``post_s`` after are dropped. Each clean event's amplitude is the least-squares amplitude of
    the indicator's single-spike kernel at its first spike (dF/F0 at the peak). The same estimate
    at spike-free times (every ``null_step_s``, no spike within ``pre_s`` / ``post_s``) is the
    null; an event is detected when its amplitude exceeds the null's ``1 - false_positive_rate``
    quantile (per recording) — detection at a 1 % false-positive rate, as in Chen et al. 2013
    and Huang et al. 2021. Returns ``{k: (amplitudes, detected)}`` for k = 1, 2 and ``"3+"``.
    """
    ind = INDICATORS[_indicator_name(indicator)]
    pre_s = pre_s if pre_s is not None else (2.0 if ind["decay_s"] > 0.4 else 1.0)
    found = {1: ([], []), 2: ([], []), "3+": ([], [])}
    for trace, times, spikes in zip(dff, frame_times_s, spike_times_s):
        trace, times = np.asarray(trace, np.float64), np.asarray(times, np.float64)
        spikes = np.sort(np.asarray(spikes, np.float64))
        onsets, counts = _clean_spike_events(spikes, times[0], times[-1], gap_s, pre_s, post_s)
        grid = np.arange(times[0] + pre_s, times[-1] - post_s, null_step_s)
        if spikes.size:
            after = np.searchsorted(spikes, grid)
            previous = np.where(after > 0, spikes[np.maximum(after - 1, 0)], -np.inf)
            following = np.where(after < spikes.size, spikes[np.minimum(after, spikes.size - 1)],
                                 np.inf)
            grid = grid[(grid - previous > pre_s) & (following - grid > post_s)]
        if grid.size < 50 or onsets.size == 0:
            continue
        threshold = np.quantile(_template_amplitudes(trace, times, grid, ind, baseline_s),
                                1.0 - false_positive_rate)
        amplitudes = _template_amplitudes(trace, times, onsets, ind, baseline_s)
        for key, chosen in ((1, counts == 1), (2, counts == 2), ("3+", counts >= 3)):
            found[key][0].append(amplitudes[chosen])
            found[key][1].append(amplitudes[chosen] > threshold)
    return {key: (np.concatenate(a) if a else np.empty(0),
                  np.concatenate(d) if d else np.empty(0, bool)) for key, (a, d) in found.items()}
