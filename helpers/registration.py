"""Rigid motion correction: estimate each frame's shift by Fourier cross-correlation with a
template (plain, phase-normalised, or phase-normalised and regularised as suite2p does it) and
undo it.

Sign convention (the simulator's): a frame with shift ``(dy, dx)`` shows the scene displaced by
``dy`` rows down and ``dx`` columns right, ``frame(y, x) = template(y - dy, x - dx)``. So a frame
whose content moved 2 rows down has ``dy = +2``, and registering it moves it back by ``-shift``.

Shifts are measured against a template image, so they are relative to wherever the template
sits. The motionless scene itself is never observed: from the movie alone, shifts are
identifiable only up to one constant offset (the template's own displacement). Compare estimated
with true shifts after removing that offset, e.g. subtracting each one's mean over frames.
"""
from __future__ import annotations

import numpy as np
from scipy import fft, ndimage

from helpers.validate import as_array, as_movie, choice, number, positive, whole_number

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
    choice(order, "order", tuple(range(6)), what="the spline order: 0 nearest pixel, 1 linear, 3 cubic")
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
