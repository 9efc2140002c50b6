"""Motion correction: estimate each frame's shift by Fourier cross-correlation with a template
(plain, phase-normalised, or phase-normalised and regularised as suite2p does it) and undo it;
or, for tissue that deforms, piecewise-rigid correction: a shift per overlapping patch,
interpolated into a smooth displacement field and undone pixel by pixel (NoRMCorre,
Pnevmatikakis & Giovannucci 2017; suite2p's non-rigid registration).

Sign convention (the simulator's): a frame with shift ``(dy, dx)`` shows the scene displaced by
``dy`` rows down and ``dx`` columns right, ``frame(y, x) = template(y - dy, x - dx)``. So a frame
whose content moved 2 rows down has ``dy = +2``, and registering it moves it back by ``-shift``.

Shifts are measured against a template image, so they are relative to wherever the template
sits. The motionless scene itself is never observed: from the movie alone, shifts are
identifiable only up to one constant offset (the template's own displacement). Compare estimated
with true shifts after removing that offset, e.g. subtracting each one's mean over frames (for a
displacement field: at every pixel, as `displacement_error` does).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import fft, ndimage

from helpers.validate import (as_array, as_movie, check_size, choice, number, positive,
                              whole_number)

# Pixels per block of frames transformed together: small enough for the complex temporaries to
# stay in cache (4x faster here than transforming the whole movie at once).
_BLOCK_PIXELS = 2**18


def _template(template, movie: np.ndarray, name: str = "template") -> np.ndarray:
    if template is None:
        return movie.mean(axis=0, dtype=np.float64)
    template = as_array(template, name, ndim=2)
    if template.shape != movie.shape[1:]:
        raise ValueError(f"{name} has shape {template.shape} but the movie's frames are "
                         f"{movie.shape[1:]}: pass an image of one frame's size")
    return template


_MAX_UPSAMPLE = 100


def _upsample_factor(upsample) -> int:
    return whole_number(upsample, "upsample", high=_MAX_UPSAMPLE,
                        why=" (1 = whole-pixel shifts, 10 = a tenth of a pixel; a finer grid is "
                            "below any movie's precision and its kernels would exhaust memory)")


def _upsampled_dft_kernels(n: int, region: int, upsample: int, coarse: np.ndarray) -> np.ndarray:
    """Per-frame kernels ``(frames, region, n)`` that evaluate the inverse DFT along one axis on a
    grid `upsample` times finer, over `region` points centred on each frame's `coarse` peak
    (the matrix-multiply DFT of Guizar-Sicairos et al. 2008, as in scikit-image)."""
    freq = fft.fftfreq(n, upsample)
    # exp(2πi (j - centre + coarse·upsample) f) split into a shared and a per-frame factor,
    # which is much cheaper than one complex exponential per kernel entry.
    shared = np.exp(2j * np.pi * (np.arange(region) - region // 2)[:, None] * freq)
    per_frame = np.exp(2j * np.pi * (coarse * upsample)[:, None] * freq)
    return shared[None] * per_frame[:, None, :]


#: suite2p's defaults (``ops["spatial_taper"]`` 3.45 px, ``ops["smooth_sigma"]`` 1.15 px), used by
#: ``normalization="regularized"``.
REGULARIZED_TAPER_PX = 3.45
REGULARIZED_SMOOTH_SIGMA_PX = 1.15


def _edge_taper(shape, width_px: float) -> np.ndarray:
    """A mask that is 1 inside the image and falls smoothly to 0 at its edges: a logistic of the
    distance from the centre along each axis, of slope `width_px`, half-way at 2 `width_px`
    from the edge (the product of the two axes' masks). ``width_px == 0``: all ones."""
    if width_px == 0:
        return np.ones(shape)
    masks = []
    for n in shape:
        distance = np.abs(np.arange(n) - (n - 1) / 2)
        half_way = (n - 1) / 2 - 2 * width_px
        masks.append(1.0 / (1.0 + np.exp(np.clip((distance - half_way) / width_px, -700, 700))))
    return masks[0][:, None] * masks[1][None, :]


def _tapered(images: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Images blended into their own mean towards the edges: ``image * mask + mean * (1 - mask)``,
    so that the periodic Fourier transform sees no jump where opposite edges meet."""
    mean = images.mean(axis=(-2, -1), keepdims=True)
    return images * mask + mean * (1.0 - mask)


def _gaussian_spectrum(shape, sigma_px: float) -> np.ndarray:
    """Fourier transform of a unit-sum Gaussian of s.d. `sigma_px` pixels (1 at frequency 0):
    multiplying a spectrum by it smooths the image (or correlation surface) by that Gaussian."""
    fy, fx = fft.fftfreq(shape[0])[:, None], fft.fftfreq(shape[1])[None, :]
    return np.exp(-2.0 * (np.pi * sigma_px) ** 2 * (fy ** 2 + fx ** 2))


def _regularisation(value, name: str, default: float, normalization) -> float:
    if value is None:
        return default if normalization == "regularized" else 0.0
    return number(value, name, low=0, unit="pixels", high=1e3,
                  why=" (a few pixels: suite2p uses 3.45 for the taper and 1.15 for the smoothing)")


def estimate_shifts(movie, template=None, upsample: int = 10, max_shift=None,
                    normalization=None, *, taper_px=None, smooth_sigma_px=None) -> np.ndarray:
    """Rigid displacement of every frame relative to a template, by (phase) cross-correlation.

    For each frame, the cross-power spectrum with the template (the Fourier transform of their
    cross-correlation) is transformed back; its peak is the displacement to the nearest pixel.
    The peak is then refined to ``1 / upsample`` pixel by evaluating the inverse transform on a
    finer grid around it (the upsampled matrix-multiply DFT of Guizar-Sicairos et al. 2008).
    All frames are processed together, in blocks; the result equals calling
    ``skimage.registration.phase_cross_correlation(template, frame, upsample_factor=upsample,
    normalization=normalization)`` on each frame, with the opposite sign (see below).

    ``normalization="phase"`` divides the spectrum by its magnitude first (phase correlation
    proper): every spatial frequency then weighs the same, which gives a sharp peak on detailed
    images but, unregularised, lets noise take over on smooth, noisy calcium frames, whose fine
    detail is mostly shot noise, and lets the jump where opposite edges of a frame meet (the
    transform is periodic) pull the peak towards zero shift. ``normalization="regularized"`` is
    phase correlation as suite2p computes it (Pachitariu et al. 2017), with its two
    regularisations: the frames and the template are **tapered** — blended into their mean over
    the outer pixels by a smooth (logistic) edge mask of width `taper_px` — and the whitened
    spectrum is **smoothed**, multiplied by the spectrum of a Gaussian of s.d.
    `smooth_sigma_px`, which blurs the correlation surface and takes the weight off the
    noise-dominated highest frequencies. The default, ``None``, is the plain cross-correlation.
    On the simulated demo movie with motion (``helpers.simulate.demo_movie(seed=0,
    motion=True)``, default template) plain cross-correlation errs by 0.19 px RMS,
    unregularised phase correlation by 5 px (it fails), regularised phase correlation by 0.41 px
    with suite2p's defaults and 0.20-0.23 px with a smoothing of 2-3 px — this movie's frames are
    small and photon-poor (see ``benchmarks/bench_registration_methods.py``). Both
    regularisations can also be given to the other methods (e.g. a taper for the plain
    cross-correlation: 0.15 px), for a fair comparison.

    A frame (or template) without any structure, e.g. a constant one, has a flat correlation and
    no peak: its shift is 0.

    Sign: the returned shift is the displacement of the frame's content, ``frame(y, x) =
    template(y - dy, x - dx)``; ``phase_cross_correlation`` returns the shift that *undoes* it.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
        NaN is not allowed.
    template : array_like, shape (y, x), optional
        The reference image. Default: the mean projection of the movie. It is blurred by the
        motion, but its centre of mass sits at the average position of the frames, so the shifts
        come out relative to that average position. Pass a sharper template (e.g. the mean of a
        still stretch of frames) for noisy or strongly moving recordings.
    upsample : int
        Precision of the estimate: 1 gives whole pixels, 10 a tenth of a pixel (at most 100).
    max_shift : float, optional
        Largest displacement considered, in pixels along each axis (default: up to half the
        frame). Limits the search when a bright structure far away could win the peak.
    normalization : {None, "phase", "regularized"}
        Plain cross-correlation (None) or phase correlation (``"phase"``), as in
        ``phase_cross_correlation``; or phase correlation regularised as in suite2p
        (``"regularized"``, which sets the two defaults below).
    taper_px : float, optional
        Width (pixels) of the smooth edge taper applied to the frames and the template; 0 for
        none. Default: 3.45 (suite2p's ``spatial_taper``) with ``"regularized"``, else 0.
    smooth_sigma_px : float, optional
        S.d. (pixels) of the Gaussian that smooths the correlation surface (a Gaussian window
        on the cross-power spectrum); 0 for none. Default: 1.15 (suite2p's ``smooth_sigma``)
        with ``"regularized"``, else 0.

    Returns
    -------
    ndarray, shape (n_frames, 2), float64
        ``(dy, dx)`` per frame in pixels, rows then columns.

    Raises
    ------
    ValueError
        If the movie is not 3-D or contains NaN or ±inf, the template's shape differs from a
        frame's, `upsample` is not a whole number from 1 to 100, `max_shift` is not positive,
        `normalization` is not None, "phase" or "regularized", or `taper_px` or
        `smooth_sigma_px` is negative.
    """
    movie = as_movie(movie)
    template = _template(template, movie)
    upsample = _upsample_factor(upsample)
    choice(normalization, "normalization", ("phase", "regularized", None))
    taper_px = _regularisation(taper_px, "taper_px", REGULARIZED_TAPER_PX, normalization)
    smooth_sigma_px = _regularisation(smooth_sigma_px, "smooth_sigma_px", REGULARIZED_SMOOTH_SIGMA_PX,
                                      normalization)
    n_frames, ny, nx = movie.shape
    mask = _edge_taper((ny, nx), taper_px) if taper_px > 0 else None
    window = _gaussian_spectrum((ny, nx), smooth_sigma_px) if smooth_sigma_px > 0 else None
    if mask is not None:
        template = _tapered(template, mask)
    ky = np.abs(fft.fftfreq(ny, 1 / ny))  # |displacement| represented by each correlation row
    kx = np.abs(fft.fftfreq(nx, 1 / nx))
    outside = None
    if max_shift is not None:
        max_shift = positive(max_shift, "max_shift", unit="pixels")
        outside = (ky[:, None] > max_shift) | (kx[None, :] > max_shift)

    template_freq = fft.fft2(template)
    region = int(np.ceil(1.5 * upsample))
    centre = region // 2
    shifts = np.empty((n_frames, 2))
    # Frames per block: few enough for the frames and for the upsampling kernels to stay small.
    block = max(1, min(_BLOCK_PIXELS // (ny * nx), _BLOCK_PIXELS // (region * max(ny, nx))))
    for start in range(0, n_frames, block):
        frames = movie[start:start + block].astype(np.float64)
        if mask is not None:
            frames = _tapered(frames, mask)
        frames_freq = fft.fft2(frames)
        cross_power = template_freq * frames_freq.conj()
        if normalization in ("phase", "regularized"):
            cross_power /= np.maximum(np.abs(cross_power), 100 * np.finfo(np.float64).eps)
        if window is not None:
            cross_power *= window
        correlation = np.abs(fft.ifft2(cross_power)).reshape(len(cross_power), -1)
        # A flat correlation (a constant frame or template) has no peak: no evidence of a shift.
        flat = correlation.max(axis=1) - correlation.min(axis=1) <= 1e-9 * correlation.max(axis=1)
        if outside is not None:
            correlation[:, outside.ravel()] = -1.0
        peak_y, peak_x = np.unravel_index(correlation.argmax(axis=1), (ny, nx))
        peak_y[flat], peak_x[flat] = 0, 0
        # The correlation is periodic: a peak past the middle is a negative shift.
        coarse = np.stack([np.where(peak_y > ny // 2, peak_y - ny, peak_y),
                           np.where(peak_x > nx // 2, peak_x - nx, peak_x)], axis=1).astype(float)
        if upsample > 1:
            rows = _upsampled_dft_kernels(ny, region, upsample, coarse[:, 0])
            cols = _upsampled_dft_kernels(nx, region, upsample, coarse[:, 1])
            # einsum, not matmul: thousands of tiny BLAS calls stall when BLAS threads compete
            # for busy cores (9 s instead of 0.3 s on a loaded 2-core machine).
            fine = np.abs(np.einsum("tyb,tay->tab", np.einsum("tyx,tbx->tyb", cross_power, cols), rows))
            fine = fine.reshape(len(fine), -1)
            fy, fx = np.unravel_index(fine.argmax(axis=1), (region, region))
            # A flat correlation (a constant frame or template) has no peak: keep the coarse one.
            flat = fine.max(axis=1) - fine.min(axis=1) <= 1e-9 * fine.max(axis=1)
            fy[flat], fx[flat] = centre, centre
            coarse += (np.stack([fy, fx], axis=1) - centre) / upsample
        # The peak locates the shift that brings the frame back onto the template: negate it.
        shifts[start:start + block] = 0.0 - coarse
    return shifts


def _shifts(shifts, n_frames: int) -> np.ndarray:
    shifts = as_array(shifts, "shifts", ndim=2)
    if shifts.shape != (n_frames, 2):
        raise ValueError(f"shifts must have shape (n_frames, 2) = ({n_frames}, 2), one (dy, dx) per "
                         f"frame, got {shifts.shape}")
    return shifts


def _spline_order(order) -> int:
    return choice(order, "order", tuple(range(6)),
                  what="the spline order: 0 nearest pixel, 1 linear, 3 cubic")


def apply_shifts(movie, shifts, order: int = 3) -> np.ndarray:
    """Undo rigid displacements: move each frame by ``-shifts[t]`` so it lines up with the template.

    Output frame t is ``registered(y, x) = frame_t(y + dy, x + dx)``, evaluated by spline
    interpolation of order `order` (``scipy.ndimage.shift``). Pixels that come from outside the
    frame take the value of the nearest edge pixel (``mode="nearest"``), so the result has no NaN
    and no artificial dark border — but a band as wide as the shift along the edges repeats the
    edge pixels and carries no real signal.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    shifts : array_like, shape (n_frames, 2)
        Displacement ``(dy, dx)`` of each frame in pixels, as returned by `estimate_shifts`.
    order : int
        Spline order 0-5 (0 nearest pixel, 1 linear, 3 cubic).

    Returns
    -------
    ndarray, shape (n_frames, y, x), float32
    """
    movie = as_movie(movie)
    shifts = _shifts(shifts, movie.shape[0])
    _spline_order(order)
    registered = np.empty_like(movie)
    for frame, shift, out in zip(movie, shifts, registered):
        ndimage.shift(frame, -shift, output=out, order=order, mode="nearest")
    return registered


def register(movie, template=None, upsample: int = 10, max_shift=None, normalization=None,
             order: int = 3, *, taper_px=None, smooth_sigma_px=None):
    """Estimate every frame's shift against the template and undo it.

    ``estimate_shifts`` followed by ``apply_shifts``; see those for the conventions and for
    `normalization`, `taper_px` and `smooth_sigma_px`.

    Returns
    -------
    registered : ndarray, shape (n_frames, y, x), float32
    shifts : ndarray, shape (n_frames, 2), float64
        ``(dy, dx)`` displacement of each input frame, in pixels.
    """
    shifts = estimate_shifts(movie, template, upsample=upsample, max_shift=max_shift,
                             normalization=normalization, taper_px=taper_px,
                             smooth_sigma_px=smooth_sigma_px)
    return apply_shifts(movie, shifts, order=order), shifts


def correlation_to_template(movie, template) -> np.ndarray:
    """Pearson correlation between each frame and the template, over pixels.

    A quality measure of registration: after correction, frames should resemble the template more
    (higher and steadier values). A constant frame or template has no defined correlation and gives 0.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    template : array_like, shape (y, x)

    Returns
    -------
    ndarray, shape (n_frames,), float64, values in [-1, 1]
    """
    if template is None:
        raise TypeError("template is None: pass the reference image, e.g. the mean projection")
    movie = as_movie(movie)
    template = _template(template, movie)
    t = (template - template.mean()).ravel()
    frames = movie.reshape(len(movie), -1).astype(np.float64)
    frames -= frames.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(frames, axis=1) * np.linalg.norm(t)
    return np.divide(frames @ t, norm, out=np.zeros(len(movie)), where=norm > 0)


# --------------------------------------------------------------------------- piecewise-rigid

#: Smallest patch side: a cross-correlation over fewer pixels has too little structure to peak.
MIN_PATCH_PX = 8
_MAX_COVERAGE = 16  # patches per pixel on average: an overlap of 3/4 of the patch along both axes

#: Default edge taper of the patches (pixels). Unlike a whole frame, a patch cuts through cells
#: at its edges, and the Fourier transform joins opposite edges: without a taper that jump pulls
#: every patch's shift towards 0. On four simulated non-rigid movies
#: (``benchmarks/bench_nonrigid.py``) a 2 px taper lowered the error of piecewise registration
#: from 0.44 to 0.34 px on average (1-4 px all within 0.03 px of each other on one movie);
#: suite2p tapers its blocks too.
PATCH_TAPER_PX = 2.0


def _pair_of_whole(value, name: str, low: int) -> tuple[int, int]:
    """A whole number or a pair of them (rows, columns), each at least `low`."""
    values = (value, value) if np.ndim(value) == 0 else value
    if isinstance(values, (str, bytes, dict)) or np.ndim(values) != 1 or len(values) != 2:
        raise ValueError(f"{name} must be one whole number or a pair (rows, columns), got {value!r}")
    return tuple(whole_number(v, name, low=low, unit="pixels") for v in values)


def _patch_layout(patch_size, overlap, frame_shape) -> tuple[tuple[int, int], list[np.ndarray]]:
    """Validated patch sides (capped at the frame) and the evenly spaced patch starts per axis."""
    sides = _pair_of_whole(patch_size, "patch_size", MIN_PATCH_PX)
    overlaps = _pair_of_whole(overlap, "overlap", 0)
    starts = []
    for side, over, length in zip(sides, overlaps, frame_shape):
        if over >= side:
            raise ValueError(f"overlap={overlap!r} must be smaller than patch_size={patch_size!r} "
                             "(the patches would not advance): e.g. overlap = patch_size // 2")
        if side >= length:
            starts.append(np.zeros(1, dtype=int))
            continue
        # As few patches as give at least the requested overlap, spread evenly over the frame.
        n_patches = math.ceil((length - over) / (side - over))
        starts.append(np.round(np.linspace(0, length - side, n_patches)).astype(int))
    sides = tuple(min(side, length) for side, length in zip(sides, frame_shape))
    patch_pixels = len(starts[0]) * len(starts[1]) * sides[0] * sides[1]
    coverage = patch_pixels / (frame_shape[0] * frame_shape[1])
    if coverage > _MAX_COVERAGE:
        raise ValueError(f"patch_size={patch_size!r} with overlap={overlap!r} would cover every "
                         f"pixel {coverage:.0f} times (at most {_MAX_COVERAGE} allowed): use a "
                         "smaller overlap, e.g. half the patch size")
    return sides, starts


def estimate_patch_shifts(movie, template=None, patch_size=32, overlap=16, upsample: int = 10,
                          max_shift=None, normalization=None, *, taper_px=PATCH_TAPER_PX,
                          smooth_sigma_px=None):
    """Rigid displacement of every overlapping patch of every frame (piecewise-rigid motion).

    The frame is covered by a grid of square (or rectangular) patches of side `patch_size`
    that overlap their neighbours by at least `overlap` pixels (give or take one pixel of
    rounding), spread evenly so that the first starts at the top-left corner and the last ends
    at the bottom-right one (as suite2p lays out its blocks). Each patch of the movie is
    registered against the same patch of the template with `estimate_shifts`, so the patch's
    shift is the displacement of the tissue in that part of the frame; NoRMCorre
    (Pnevmatikakis & Giovannucci 2017) and suite2p's non-rigid registration both start this
    way. Smaller patches follow a deformation more closely but hold less structure, so their
    shifts are noisier; the overlap makes neighbouring estimates share pixels, which smooths
    the grid of shifts. On simulated movies (``benchmarks/bench_nonrigid.py``, 96 x 96 px,
    deformation wavelengths >= 60 px) 32 px patches with 16 px overlap did best; 16 px patches
    were worse than rigid registration, 64 px ones too coarse.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    template : array_like, shape (y, x), optional
        The reference image; default the mean projection of the movie.
    patch_size : int or (int, int)
        Side of a patch in pixels (rows, columns), at least 8; a patch larger than the frame is
        cut to the frame (one patch along that axis: the rigid shift).
    overlap : int or (int, int)
        Least overlap of neighbouring patches in pixels, from 0 to ``patch_size - 1``.
    upsample, max_shift, normalization, smooth_sigma_px
        As in `estimate_shifts`, applied to every patch (`max_shift` bounds each patch's shift).
    taper_px : float or None
        Width of the edge taper of every patch, in pixels (default ``PATCH_TAPER_PX``, 2 px;
        0 for none; None for `estimate_shifts`' default, suite2p's 3.45 px with
        ``normalization="regularized"``).

    Returns
    -------
    shifts : ndarray, shape (n_frames, n_patches_y, n_patches_x, 2), float64
        ``(dy, dx)`` of every patch of every frame, same sign convention as `estimate_shifts`.
    centres : tuple of two ndarrays, shapes (n_patches_y,) and (n_patches_x,)
        Row and column coordinates (pixels) of the patches' centres, increasing.

    Raises
    ------
    ValueError
        As `estimate_shifts`; and if `patch_size` is below 8 or `overlap` not below it.
    """
    movie = as_movie(movie)
    template = _template(template, movie)
    (side_y, side_x), (starts_y, starts_x) = _patch_layout(patch_size, overlap, movie.shape[1:])
    shifts = np.empty((len(movie), len(starts_y), len(starts_x), 2))
    for i, y0 in enumerate(starts_y):
        for j, x0 in enumerate(starts_x):
            patch = (slice(None), slice(y0, y0 + side_y), slice(x0, x0 + side_x))
            shifts[:, i, j] = estimate_shifts(movie[patch], template[patch[1:]], upsample=upsample,
                                              max_shift=max_shift, normalization=normalization,
                                              taper_px=taper_px, smooth_sigma_px=smooth_sigma_px)
    return shifts, (starts_y + (side_y - 1) / 2, starts_x + (side_x - 1) / 2)


def _interpolation_matrix(centres: np.ndarray, length: int) -> np.ndarray:
    """``(length, n)`` weights of piecewise-linear interpolation from `n` increasing centres to
    every pixel ``0 .. length - 1``, constant beyond the first and the last centre."""
    pixels = np.arange(length, dtype=np.float64)
    return np.stack([np.interp(pixels, centres, unit) for unit in np.eye(len(centres))], axis=1)


def shift_field(patch_shifts, centres, frame_shape) -> np.ndarray:
    """A smooth displacement field over every pixel, interpolated from the patches' shifts.

    Each frame's grid of patch shifts is interpolated bilinearly between the patch centres to
    every pixel (held constant beyond the outermost centres), as suite2p does: the field is
    continuous, so that neighbouring pixels never tear apart where patches meet. A grid of one
    patch gives the rigid shift everywhere.

    Parameters
    ----------
    patch_shifts : array_like, shape (n_frames, n_patches_y, n_patches_x, 2)
        ``(dy, dx)`` per patch, e.g. from `estimate_patch_shifts`.
    centres : (array_like, array_like)
        Increasing row and column coordinates of the patch centres, of lengths
        ``n_patches_y`` and ``n_patches_x``.
    frame_shape : (int, int)
        Rows and columns of a frame.

    Returns
    -------
    ndarray, shape (n_frames, 2, y, x), float32
        ``field[t, 0]`` the row and ``field[t, 1]`` the column displacement of every pixel.

    Raises
    ------
    ValueError
        If the shapes disagree, the centres are not increasing or a field would exceed the
        course's memory limit.
    """
    patch_shifts = as_array(patch_shifts, "patch_shifts", ndim=4)
    if patch_shifts.shape[-1] != 2:
        raise ValueError(f"patch_shifts must have shape (n_frames, n_patches_y, n_patches_x, 2), "
                         f"one (dy, dx) per patch, got {patch_shifts.shape}")
    if not isinstance(centres, (tuple, list)) or len(centres) != 2:
        raise TypeError("centres must be a pair (row centres, column centres), as returned by "
                        f"estimate_patch_shifts, got {type(centres).__name__}")
    frame_shape = _pair_of_whole(frame_shape, "frame_shape", 1)
    check_size(2 * len(patch_shifts) * frame_shape[0] * frame_shape[1], "frame_shape",
               "a displacement field")
    check_size(max(frame_shape[0] * patch_shifts.shape[1], frame_shape[1] * patch_shifts.shape[2]),
               "frame_shape", "interpolation weights")
    weights = []
    for axis, (name, centre) in enumerate(zip(("row", "column"), centres)):
        centre = as_array(centre, f"centres ({name}s)", ndim=1)
        if len(centre) != patch_shifts.shape[1 + axis]:
            raise ValueError(f"centres has {len(centre)} {name} centres but patch_shifts has "
                             f"{patch_shifts.shape[1 + axis]} patches along that axis")
        if np.any(np.diff(centre) <= 0):
            raise ValueError(f"the {name} centres must be strictly increasing, got {centre}")
        weights.append(_interpolation_matrix(centre, frame_shape[axis]))
    along_x = np.einsum("tija,xj->taix", patch_shifts, weights[1])
    return np.einsum("yi,taix->tayx", weights[0], along_x).astype(np.float32)


def _field(field, movie_shape) -> np.ndarray:
    field = as_array(field, "field", ndim=4, dtype=None)
    expected = (movie_shape[0], 2, *movie_shape[1:])
    if field.shape != expected:
        raise ValueError(f"field must have shape (n_frames, 2, y, x) = {expected}, one (dy, dx) "
                         f"per pixel of every frame, got {field.shape}")
    return field.astype(np.float32, copy=False)


def apply_shift_field(movie, field, order: int = 3) -> np.ndarray:
    """Undo a non-rigid displacement: resample each frame where its field says the content went.

    Output frame t is ``registered(y, x) = frame_t(y + dy(y, x), x + dx(y, x))`` with ``(dy,
    dx) = field[t, :, y, x]``, evaluated by spline interpolation of order `order`
    (``scipy.ndimage.map_coordinates``); a field that is the same everywhere gives exactly
    `apply_shifts`. Pixels that come from outside the frame take the value of the nearest edge
    pixel (``mode="nearest"``).

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    field : array_like, shape (n_frames, 2, y, x)
        Displacement of every pixel, e.g. from `shift_field` (plus a rigid part).
    order : int
        Spline order 0-5 (0 nearest pixel, 1 linear, 3 cubic).

    Returns
    -------
    ndarray, shape (n_frames, y, x), float32
    """
    movie = as_movie(movie)
    field = _field(field, movie.shape)
    _spline_order(order)
    grid = np.mgrid[:movie.shape[1], :movie.shape[2]].astype(np.float64)
    registered = np.empty_like(movie)
    for frame, displacement, out in zip(movie, field, registered):
        ndimage.map_coordinates(frame, grid + displacement, output=out, order=order, mode="nearest")
    return registered


def register_piecewise(movie, template=None, patch_size=32, overlap=16, max_deviation=3.0,
                       upsample: int = 10, max_shift=None, normalization=None, order: int = 3, *,
                       taper_px=PATCH_TAPER_PX, smooth_sigma_px=None):
    """Piecewise-rigid motion correction: rigid first, then overlapping patches, then a smooth field.

    1. Every frame's rigid shift is estimated against the template (`estimate_shifts`) and
       undone (`apply_shifts`).
    2. The shifts left in each patch of the rigidly registered movie are estimated
       (`estimate_patch_shifts`, against the template or, by default, the mean of the rigidly
       registered movie, which is sharper than the raw mean), each bounded by `max_deviation`
       pixels around the rigid shift — NoRMCorre's ``max_deviation_rigid`` (suite2p's
       ``maxregshiftNR``): a patch with little structure cannot then wander off.
    3. The field ``rigid shift + interpolated patch shifts`` (`shift_field`) is applied to the
       original movie in one resampling (`apply_shift_field`), so the frames are interpolated
       once.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    template : array_like, shape (y, x), optional
        Reference image of both steps. Default: the mean of the movie for the rigid step and
        the mean of the rigidly registered movie for the patches.
    patch_size, overlap : int or (int, int)
        Patch side and least overlap in pixels, see `estimate_patch_shifts`.
    max_deviation : float or None
        Largest patch shift, in pixels along each axis, relative to the rigid shift (None: up
        to half a patch).
    upsample, max_shift, normalization, smooth_sigma_px
        As in `estimate_shifts` (`max_shift` bounds the rigid shift; the others apply to both
        steps).
    taper_px : float or None
        Edge taper of the frames and of the patches, in pixels: see `estimate_patch_shifts`.
    order : int
        Spline order of the resampling, as in `apply_shifts`.

    Returns
    -------
    registered : ndarray, shape (n_frames, y, x), float32
    field : ndarray, shape (n_frames, 2, y, x), float32
        The estimated displacement ``(dy, dx)`` of every pixel of every input frame.
    """
    movie = as_movie(movie)
    rigid = estimate_shifts(movie, template, upsample=upsample, max_shift=max_shift,
                            normalization=normalization, taper_px=taper_px,
                            smooth_sigma_px=smooth_sigma_px)
    rigidly_registered = apply_shifts(movie, rigid, order=order)
    if max_deviation is not None:
        max_deviation = positive(max_deviation, "max_deviation", unit="pixels")
    patch_shifts, centres = estimate_patch_shifts(
        rigidly_registered, template, patch_size=patch_size, overlap=overlap, upsample=upsample,
        max_shift=max_deviation, normalization=normalization, taper_px=taper_px,
        smooth_sigma_px=smooth_sigma_px)
    field = shift_field(patch_shifts, centres, movie.shape[1:])
    field += rigid[:, :, None, None].astype(np.float32)
    return apply_shift_field(movie, field, order=order), field


def displacement_error(estimated, true, *, per_pixel: bool = False):
    """Root-mean-square error of an estimated displacement against the true one, in pixels.

    Either may be rigid shifts ``(n_frames, 2)`` (the same for every pixel) or a field
    ``(n_frames, 2, y, x)``. Registration measures displacements relative to its template, whose
    own displacement is unknown (see the module docstring): so each one's mean over frames is
    removed at every pixel first, and what is scored is how each pixel's displacement changes
    over time. The error at a pixel is the length of the difference vector ``(dy, dx)``, root-
    mean-squared over frames; the overall error is its root-mean-square over pixels.

    Parameters
    ----------
    estimated, true : array_like, shape (n_frames, 2) or (n_frames, 2, y, x)
        E.g. ``register_piecewise(...)[1]`` or ``estimate_shifts(...)``, and the simulator's
        ``truth.displacement`` (or ``truth.shifts`` for rigid motion).
    per_pixel : bool
        Return the error map of every pixel instead of one number (needs a field as
        `estimated` or `true`): where in the frame the registration is off.

    Returns
    -------
    float, or ndarray of shape (y, x), float64
    """
    per_pixel = choice(per_pixel, "per_pixel", (True, False))
    fields, frames = [], []
    for name, value in (("estimated", estimated), ("true", true)):
        value = as_array(value, name, ndim=(2, 4), dtype=None)
        if value.shape[1] != 2:
            raise ValueError(f"{name} must have shape (n_frames, 2) or (n_frames, 2, y, x), got "
                             f"{value.shape}")
        fields.append(value if value.ndim == 4 else value[:, :, None, None])
        frames.append(value.shape[2:])
    estimated, true = fields
    if len(estimated) != len(true):
        raise ValueError(f"estimated has {len(estimated)} frames but true has {len(true)}")
    if frames[0] and frames[1] and frames[0] != frames[1]:
        raise ValueError(f"the fields' frames differ: estimated {frames[0]}, true {frames[1]}")
    if per_pixel and not (frames[0] or frames[1]):
        raise ValueError("per_pixel=True needs a field (n_frames, 2, y, x) as estimated or true; "
                         "rigid shifts have one error for the whole frame")
    offset = (estimated.mean(axis=0, dtype=np.float64) - true.mean(axis=0, dtype=np.float64))
    squared = np.zeros(np.broadcast_shapes(estimated.shape[2:], true.shape[2:]))
    for start in range(0, len(true), 64):
        block = slice(start, start + 64)
        difference = estimated[block].astype(np.float64) - true[block] - offset
        squared += (difference ** 2).sum(axis=(0, 1))
    error_map = np.sqrt(squared / len(true))
    return error_map if per_pixel else float(np.sqrt(np.mean(error_map ** 2)))
