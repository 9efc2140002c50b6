"""The course's datasets: fetched once, verified, and loaded with the course's conventions.

Every file is listed in ``data_registry.txt`` at the root of the repository, one line per file:
its name in the cache, its hash and a URL pinned to a commit. :func:`fetch` returns the path of
a verified local copy: a file already in the cache with the right hash is used as it is (no
request is made and nothing is written, so the cache may be a read-only shared folder);
otherwise it is downloaded with pooch and checked before it is used.

The cache folder is the environment variable ``CALCIUM_COURSE_DATA`` when it is set, else
pooch's per-user cache (``pooch.os_cache("calcium-course")``). To prepare a machine without
internet, run ``python -m helpers.data fetch --all`` where there is internet, with the variable
pointing at the folder to fill, and copy that folder over.

The loaders return small frozen records with the course's conventions: movies ``float32
(time, y, x)``, traces ``float64 (neurons, time)``, masks boolean ``(n, y, x)``, frame rates
``fs`` in Hz, or ``None`` when the file does not say (never a guessed number). Each record
carries the URL it came from (``.source``) and the data's licence (``.licence``).

Command line (``python -m helpers.data --help``)::

    python -m helpers.data list                   # every file: cached / missing / corrupt
    python -m helpers.data fetch --all            # every file the lessons need
    python -m helpers.data fetch --all --include-large   # plus the optional large recordings
    python -m helpers.data fetch sima_example.tif ...
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import os
import posixpath
import sys
import types
import zipfile
from pathlib import Path
from typing import Mapping

import h5py
import numpy as np
import pooch
import requests
import roifile
import scipy.io
import skimage.draw
import tifffile

from helpers import groundtruth, validate

__all__ = [
    "CACHE_ENV", "REGISTRY_FILE", "PREFETCH_COMMAND",
    "DataUnavailableError", "DataIntegrityError",
    "Entry", "read_registry", "course_registry", "cache_dir", "fetch",
    "Movie", "Traces", "Suite2p", "GroundTruthRecording",
    "load_sima_movie", "load_sima_rois", "load_imagej_rois",
    "load_allen_raw_crop", "load_allen_roi_traces", "load_allen_neuropil_traces",
    "load_allen_dff", "load_zebrafish_dff", "load_suite2p", "load_suite2p_folder",
    "ground_truth_names", "load_ground_truth",
]

CACHE_ENV = "CALCIUM_COURSE_DATA"
REGISTRY_FILE = Path(__file__).resolve().parent.parent / "data_registry.txt"
PREFETCH_COMMAND = "python -m helpers.data fetch --all"

_HEX_LENGTH = {"sha256": 64, "gitblob": 40}
_SIMA = "GPL-2.0 (SIMA example data, Losonczy lab)"
_ALLEN = ("Allen Institute Software License (2-clause BSD, no commercial use); "
          "Allen Brain Observatory terms of use")
_CASCADE = "GPL-3.0 (CASCADE example data, Rupprecht et al.)"
_CASCADE_GROUND_TRUTH = "GPL-3.0 (CASCADE ground-truth database, Rupprecht et al. 2021)"
_FISSA = "GPL-3.0 (fissa-suite2p-example, Rochefort lab)"


class DataUnavailableError(RuntimeError):
    """A data file is not in the cache and could not be downloaded.

    The message names the file, its URL, the cache folder (``CALCIUM_COURSE_DATA``) and the
    prefetch command. ``.name``, ``.url`` and ``.reason`` (one short line) are kept for tools.
    """

    def __init__(self, message: str, *, name: str, url: str, reason: str):
        super().__init__(message)
        self.name, self.url, self.reason = name, url, reason


class DataIntegrityError(DataUnavailableError):
    """A downloaded or cached file does not match its hash in the registry; it was deleted."""


# --------------------------------------------------------------------------- registry

@dataclasses.dataclass(frozen=True)
class Entry:
    """One line of the registry: a file's name in the cache, its hash and its URL.

    ``algorithm`` is ``"sha256"`` (checked by pooch while downloading) or ``"gitblob"`` (the
    file's git blob id, checked here after the download). Files known only by their git blob
    id are the optional large recordings: no lesson needs them (:attr:`optional`).
    """

    name: str
    algorithm: str
    digest: str
    url: str

    @property
    def optional(self) -> bool:
        return self.algorithm == "gitblob"


def read_registry(path) -> dict[str, Entry]:
    """Read a registry file: lines ``NAME ALGORITHM:HEX URL``; ``#`` starts a comment line.

    Parameters
    ----------
    path : str or Path
        A file in the format of the course's ``data_registry.txt`` (pooch's registry format,
        with ``sha256:`` or ``gitblob:`` hashes and a URL on every line).

    Returns
    -------
    dict
        File name -> :class:`Entry`, in the order of the file.

    Raises
    ------
    ValueError
        If a line does not have three fields, names an unknown hash algorithm, has a hash of
        the wrong length or a URL that is not http(s), or repeats a name; the message gives the
        line number.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a registry file (str or Path), got {path!r}")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a registry: it is not UTF-8 text") from None
    entries: dict[str, Entry] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entry = _parse_line(line, where=f"{path}, line {number}")
        if entry.name in entries:
            raise ValueError(f"{path}, line {number}: {entry.name!r} is listed twice")
        entries[entry.name] = entry
    return entries


def _parse_line(line: str, where: str) -> Entry:
    fields = line.split()
    if len(fields) != 3:
        raise ValueError(f"{where}: expected 'NAME HASH URL' (3 fields separated by spaces; "
                         f"percent-encode spaces in the URL), got {len(fields)} fields")
    name, hash_, url = fields
    algorithm, _, digest = hash_.partition(":")
    digest = digest.lower()
    if algorithm not in _HEX_LENGTH:
        raise ValueError(f"{where}: the hash must start with 'sha256:' or 'gitblob:', got {hash_!r}")
    if len(digest) != _HEX_LENGTH[algorithm] or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{where}: a {algorithm} hash has {_HEX_LENGTH[algorithm]} hex digits, "
                         f"got {digest!r}")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{where}: the URL must start with https:// or http://, got {url!r}")
    return Entry(name, algorithm, digest, url)


@functools.cache
def course_registry() -> Mapping[str, Entry]:
    """The course's registry, read once from ``data_registry.txt`` at the repository root.

    The registry sits beside the ``helpers/`` folder, so ``helpers`` must be used from a
    checkout of the repository (``pip install -e .``), not from a copy installed elsewhere.

    Raises
    ------
    FileNotFoundError
        If ``data_registry.txt`` is not beside ``helpers/``.
    """
    if not REGISTRY_FILE.is_file():
        raise FileNotFoundError(
            f"The course's data registry {REGISTRY_FILE} does not exist. helpers.data reads it "
            "from the repository root, one folder above helpers/: use the course from a clone of "
            "its repository installed with `pip install -e .`, or pass "
            "registry=read_registry('path/to/data_registry.txt') to fetch().")
    return types.MappingProxyType(read_registry(REGISTRY_FILE))


def cache_dir() -> Path:
    """The data cache folder: ``$CALCIUM_COURSE_DATA`` if set, else pooch's per-user cache.

    The variable is read at every call; a relative path is resolved against the current
    working directory at that moment, so set it to an absolute path.
    """
    folder = os.environ.get(CACHE_ENV)
    if folder:
        return Path(folder).expanduser().resolve()
    return Path(pooch.os_cache("calcium-course"))


# --------------------------------------------------------------------------- fetching

def fetch(name: str, *, registry: Mapping[str, Entry] | None = None, cache=None) -> Path:
    """Path of a verified local copy of a data file, downloading it only if needed.

    A copy already in the cache with the right hash is returned at once: no request is made and
    nothing is written. A copy with the wrong hash is deleted and downloaded again. A download
    is checked against the registry's hash (sha256 by pooch, or the git blob id here) before it
    is used; a corrupt download is deleted and never returned.

    Parameters
    ----------
    name : str
        File name as listed in the registry, e.g. ``"sima_example.tif"``.
    registry : mapping, optional
        Name -> :class:`Entry`, e.g. from :func:`read_registry`; default: the course's registry.
    cache : str or Path, optional
        Cache folder; default :func:`cache_dir` (``$CALCIUM_COURSE_DATA``).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If `name` is not in the registry (the message lists the known names).
    DataUnavailableError
        If the file is not in the cache and the download failed (offline, server down, HTTP
        error, cache folder not writable). Raised without the network library's traceback.
    DataIntegrityError
        If the download does not match its hash (it is deleted), or a copy in a read-only
        cache folder does not match (it is left there, and not returned).
    """
    return _obtain(_entry(name, registry), _folder(cache))[0]


def _entry(name: str, registry: Mapping[str, Entry] | None) -> Entry:
    if not isinstance(name, str):
        raise TypeError(f"name must be a data file's name (a str) as listed in the registry, got {name!r}")
    registry = course_registry() if registry is None else registry
    if not isinstance(registry, Mapping):
        raise TypeError(f"registry must map file names to Entry, e.g. read_registry(path), got "
                        f"{type(registry).__name__}")
    if name not in registry:
        known = ", ".join(sorted(registry))
        raise ValueError(f"unknown data file name={name!r}; the registry lists: {known}")
    return registry[name]


def _folder(cache) -> Path:
    if cache is not None and not isinstance(cache, (str, os.PathLike)):
        raise TypeError(f"cache must be a folder (str or Path), got {cache!r}")
    return cache_dir() if cache is None else Path(cache).expanduser().resolve()


def _obtain(entry: Entry, folder: Path) -> tuple[Path, bool]:
    """Fetch `entry` into `folder`; return its path and whether it was downloaded."""
    path = folder / entry.name
    state = _state(path, entry)
    if state == "cached":
        return path, False
    if not _writable(folder):
        if state == "corrupt":
            raise _integrity_error(entry, f"the copy in the cache ({path})", todo=(
                "The cache folder is read-only, so it was left there: replace it with a good "
                f"copy from the URL above, or point {CACHE_ENV} at a writable folder."))
        raise _unavailable_error(entry, folder, "the cache folder is read-only", False)
    if state == "corrupt":
        path.unlink()
    _download(entry, folder, replacing_corrupt=state == "corrupt")
    if not _matches(path, entry):  # git blob ids: pooch could not check them
        path.unlink()
        raise _integrity_error(entry, "the download")
    return path, True


def _state(path: Path, entry: Entry) -> str:
    if not path.is_file():
        return "missing"
    return "cached" if _matches(path, entry) else "corrupt"


def _matches(path: Path, entry: Entry) -> bool:
    """Whether the file's sha256 or git blob id (sha1 of ``b"blob <size>\\0"`` + bytes) matches."""
    if entry.algorithm == "sha256":
        digest = hashlib.sha256()
    else:
        digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == entry.digest


def _writable(folder: Path) -> bool:
    """Whether files may be written to `folder` (pooch creates it if it does not exist yet).

    A folder without any write permission bit counts as read-only even for root, who could
    write there anyway: a shared, read-only cache must stay untouched.
    """
    if not folder.exists():
        return True
    return bool(folder.stat().st_mode & 0o222) and os.access(folder, os.W_OK)


def _download(entry: Entry, folder: Path, *, replacing_corrupt: bool) -> None:
    known_hash = f"sha256:{entry.digest}" if entry.algorithm == "sha256" else None
    try:
        pooch.retrieve(entry.url, known_hash=known_hash, fname=entry.name, path=folder)
    except OSError as err:  # requests' exceptions are OSErrors too
        raise _unavailable_error(entry, folder, _reason(err), replacing_corrupt) from None
    except ValueError:  # pooch's hash mismatch; pooch has already deleted the download
        raise _integrity_error(entry, "the download") from None


def _reason(err: OSError) -> str:
    """One short line on why a download failed, without the network library's internals."""
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"the server answered HTTP {err.response.status_code}"
    if isinstance(err, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(err, requests.ConnectionError):
        return "no connection to the server (offline, or the server is down)"
    if isinstance(err, PermissionError):
        return "the cache folder is not writable"
    return f"the download failed ({err.strerror or type(err).__name__})"


def _unavailable_error(entry: Entry, folder: Path, reason: str,
                       replacing_corrupt: bool) -> DataUnavailableError:
    state = ("was corrupt (it did not match its hash) and was deleted" if replacing_corrupt
             else "is missing")
    message = (
        f"Cannot get the data file {entry.name!r}: {reason}.\n"
        f"Its copy in the data cache {folder}{_cache_origin(folder)} {state}, and it could not be "
        f"downloaded from\n  {entry.url}\n"
        f"To provide it, either run `{PREFETCH_COMMAND}` on a machine with internet access and "
        f"copy the cache folder here, or download the URL yourself and save it as "
        f"{folder / entry.name}; then set the environment variable {CACHE_ENV} to the folder "
        f"that holds it.")
    return DataUnavailableError(message, name=entry.name, url=entry.url, reason=reason)


def _cache_origin(folder: Path) -> str:
    if folder != cache_dir():
        return ""  # given by the caller
    if os.environ.get(CACHE_ENV):
        return f" (set by {CACHE_ENV})"
    return f" (pooch's default: {CACHE_ENV} is not set)"


def _integrity_error(entry: Entry, what: str, todo: str | None = None) -> DataIntegrityError:
    reason = f"{what} does not match its {entry.algorithm} hash in the registry"
    todo = todo or ("It was deleted and not loaded. Try again (a download can be cut short); if "
                    "it fails again, the file at the URL is not the one the course was written "
                    "for: report it to the course's maintainers instead of editing the registry.")
    message = f"Data file {entry.name!r} from {entry.url}: {reason}.\n{todo}"
    return DataIntegrityError(message, name=entry.name, url=entry.url, reason=reason)


# --------------------------------------------------------------------------- records

class _Record:
    """Readable repr for the records: arrays and containers by shape/length, not by content."""

    def __repr__(self) -> str:
        parts = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray):
                text = f"<{value.dtype} array {value.shape}>"
            elif isinstance(value, (list, dict)):
                text = f"<{type(value).__name__} of {len(value)}>"
            else:
                text = repr(value)
            parts.append(f"{field.name}={text}")
        return f"{type(self).__name__}({', '.join(parts)})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Movie(_Record):
    """A movie, float32 ``(time, y, x)``; ``fs`` in Hz or ``None`` if the file does not say.

    ``reference`` is a float64 ``(y, x)`` reference image shipped with the movie, if any.
    """

    movie: np.ndarray
    fs: float | None
    source: str
    licence: str
    reference: np.ndarray | None = None


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Traces(_Record):
    """Traces, float64 ``(neurons, time)``, in ``units``; ``fs`` in Hz or ``None`` if unknown.

    ``roi_ids`` are the recording's own ROI ids (row order), if it has any; ``dropped_rows``
    are the rows of the file that were removed because they were all NaN.
    """

    traces: np.ndarray
    fs: float | None
    units: str
    source: str
    licence: str
    roi_ids: np.ndarray | None = None
    dropped_rows: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Suite2p(_Record):
    """A suite2p output folder (``plane0``), in the course's conventions.

    ``F``, ``Fneu``, ``spks``: float64 ``(rois, time)``; ``iscell``: bool ``(rois,)`` (suite2p's
    classifier decision, column 0 of ``iscell.npy``) and ``cell_probability`` (column 1);
    ``stat``: suite2p's per-ROI dicts; ``ops``: suite2p's settings and images; ``masks``: bool
    ``(rois, Ly, Lx)`` with every pixel of each ROI (``ypix``, ``xpix``), including pixels
    shared with other ROIs (``stat[i]["overlap"]``), so masks may overlap; ``mean_image``:
    float64 ``(Ly, Lx)`` (``ops["meanImg"]``); ``neucoeff``: suite2p's neuropil factor
    (``F - neucoeff * Fneu``); ``fs`` in Hz or ``None`` if unknown.
    """

    F: np.ndarray
    Fneu: np.ndarray
    spks: np.ndarray
    iscell: np.ndarray
    cell_probability: np.ndarray
    stat: list
    ops: dict
    masks: np.ndarray
    mean_image: np.ndarray
    neucoeff: float
    fs: float | None
    source: str
    licence: str


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class GroundTruthRecording(_Record):
    """One neuron imaged while its spikes were recorded electrically (CASCADE ground truth).

    Attributes
    ----------
    name : str
        The recording's name in :func:`ground_truth_names`, e.g. ``"ds02_1"``: the dataset's
        number in the CASCADE database, then the recording's number within the file (from 1).
    dataset : str
        The CASCADE ground-truth folder, e.g. ``"DS02-OGB1-2-m-V1"``.
    indicator, preparation : str
        The calcium indicator (``"OGB-1"``, ``"GCaMP6f"``, ...) and the preparation (species,
        area, cell type, source publication), as listed in the data manifest.
    dff : float64 (n_frames,)
        ΔF/F₀ of the neuron as a fraction (0.1 is 10 %), as the database gives it.
    frame_times_s : float64 (n_frames,)
        Time of each frame in seconds, strictly increasing, on the electrophysiology's clock.
    spike_times_s : float64 (n_spikes,)
        Spike times in seconds on the same clock, sorted; only spikes within the imaged span
        (from half a frame before the first frame to half a frame after the last) are kept.
    fs : float
        Frame rate in Hz, ``1 / median(diff(frame_times_s))``.
    noise_level : float
        CASCADE's noise level ν of `dff` (:func:`helpers.groundtruth.noise_level`): about 1 is
        excellent, 3-4 decent, above 5 poor.
    n_dropped_frames, n_dropped_spikes : int
        Frames removed because their time or value was NaN (or had no partner in a file whose
        two arrays differ in length), and spikes removed because they were NaN or outside the
        imaged span.
    source, licence : str
        The URL the file came from and the data's licence.
    """

    name: str
    dataset: str
    indicator: str
    preparation: str
    dff: np.ndarray
    frame_times_s: np.ndarray
    spike_times_s: np.ndarray
    fs: float
    noise_level: float
    n_dropped_frames: int
    n_dropped_spikes: int
    source: str
    licence: str

    @property
    def duration_s(self) -> float:
        """Imaged span in seconds, from the first to the last frame time plus one frame."""
        return float(self.frame_times_s[-1] - self.frame_times_s[0]) + 1.0 / self.fs


# --------------------------------------------------------------------------- loaders

def _fetch_course_file(name: str) -> tuple[Path, str]:
    return fetch(name), course_registry()[name].url


def _read_h5(path: Path, *datasets: str) -> list[np.ndarray]:
    with h5py.File(path, "r") as file:
        return [file[name][()] for name in datasets]


def load_sima_movie() -> Movie:
    """SIMA's example two-photon movie: 20 frames of 128 x 256 px, 12-bit values as float32.

    The frame rate is not recorded in the file, so ``fs`` is ``None``.
    """
    path, url = _fetch_course_file("sima_example.tif")
    movie = tifffile.imread(path).astype(np.float32)
    return Movie(movie=movie, fs=None, source=url, licence=_SIMA)


def load_sima_rois() -> np.ndarray:
    """The 2 ImageJ ROIs drawn on the SIMA movie, as boolean masks ``(2, 128, 256)``.

    Rasterised as in :func:`load_imagej_rois`, on the frame shape of the movie.
    """
    movie_path, _ = _fetch_course_file("sima_example.tif")
    rois_path, _ = _fetch_course_file("sima_imagej_rois.zip")
    with tifffile.TiffFile(movie_path) as tif:
        frame_shape = tif.series[0].shape[-2:]
    return load_imagej_rois(rois_path, frame_shape)


def load_imagej_rois(path, shape) -> np.ndarray:
    """Rasterise ImageJ area ROIs (a ``.roi`` file or a RoiSet ``.zip``) to boolean masks.

    Polygon, freehand, traced, rectangle and oval ROIs are supported (ovals as their polygon
    outline); a composite ROI uses its largest outline. ImageJ puts vertices on pixel corners:
    pixel ``(y, x)`` belongs to a ROI when its centre ``(y + 0.5, x + 0.5)`` is inside the
    outline, as in ImageJ. The part of a ROI outside the image is cut off.

    Parameters
    ----------
    path : str or Path
        ImageJ ROI file or RoiSet zip.
    shape : tuple of int
        ``(y, x)`` shape of the image the ROIs were drawn on.

    Returns
    -------
    ndarray, bool, shape (n_rois, y, x)

    Raises
    ------
    ValueError
        If a ROI is not an area (line, point, ...) or has no pixel inside the image.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be an ImageJ .roi or RoiSet .zip file (str or Path), got {path!r}")
    shape = _image_shape(shape)
    try:
        rois = roifile.roiread(path)
    except (ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not an ImageJ ROI file or RoiSet zip ({err})") from None
    rois = [rois] if isinstance(rois, roifile.ImagejRoi) else rois
    if not rois:
        raise ValueError(f"{path} holds no ImageJ ROI")
    validate.check_size(len(rois) * shape[0] * shape[1], "shape", f"{len(rois)} masks")
    return np.stack([_roi_mask(roi, shape) for roi in rois])


def _image_shape(shape) -> tuple[int, int]:
    """``(y, x)``: two whole numbers of pixels, each at least 1."""
    if isinstance(shape, (str, bytes)) or np.shape(shape) != (2,):
        raise TypeError(f"shape must be a pair (y, x) of whole numbers of pixels, the shape of the "
                        f"image the ROIs were drawn on, got {shape!r}")
    ny, nx = (validate.whole_number(v, "shape", unit="pixels") for v in shape)
    validate.check_size(ny * nx, "shape", "a mask")
    return ny, nx


def _roi_mask(roi: roifile.ImagejRoi, shape: tuple[int, int]) -> np.ndarray:
    area_types = (roifile.ROI_TYPE.POLYGON, roifile.ROI_TYPE.FREEHAND, roifile.ROI_TYPE.TRACED,
                  roifile.ROI_TYPE.RECT, roifile.ROI_TYPE.OVAL)
    if roi.roitype not in area_types:
        raise ValueError(f"ImageJ ROI {roi.name!r} is a {roi.roitype.name.lower()}, not an area: "
                         "only polygon, freehand, traced, rectangle and oval ROIs become masks")
    x, y = roi.coordinates().T
    rows, cols = skimage.draw.polygon(y - 0.5, x - 0.5, shape)
    mask = np.zeros(shape, dtype=bool)
    mask[rows, cols] = True
    if not mask.any():
        raise ValueError(f"ImageJ ROI {roi.name!r} has no pixel inside the image of shape {shape}: "
                         "was it drawn on another image?")
    return mask


def load_allen_raw_crop() -> Movie:
    """A raw (unregistered) 100 x 100 px crop of an Allen two-photon movie, 100 frames.

    ``movie`` is float32 ``(100, 100, 100)`` (time, y, x); ``reference`` is the file's
    ``ave_image``, a registration reference (not the mean of these frames). The frame rate is
    not stored (Allen single-plane runs at about 31 Hz, unverified), so ``fs`` is ``None``.
    """
    path, url = _fetch_course_file("allen_792757260_raw_crop.h5")
    frames, reference = _read_h5(path, "input_frames", "ave_image")
    return Movie(movie=frames.astype(np.float32), fs=None, source=url, licence=_ALLEN,
                 reference=reference.astype(np.float64))


def load_allen_roi_traces() -> Traces:
    """Raw fluorescence of 3 Allen somatic ROIs, float64 ``(3, 48160)`` in a.u.

    ``roi_ids`` are the Allen ROI ids, in the same order as :func:`load_allen_neuropil_traces`.
    The frame rate is not stored (about 11 Hz, unverified), so ``fs`` is ``None``.
    """
    return _allen_traces("allen_roi_traces_demix.h5")


def load_allen_neuropil_traces() -> Traces:
    """Neuropil fluorescence around the 3 ROIs of :func:`load_allen_roi_traces`, same layout."""
    return _allen_traces("allen_neuropil_traces.h5")


def _allen_traces(name: str) -> Traces:
    path, url = _fetch_course_file(name)
    data, ids = _read_h5(path, "data", "roi_names")
    # One file stores the ids as bytes, the other as integers.
    return Traces(traces=data.astype(np.float64), fs=None, units="a.u.", source=url,
                  licence=_ALLEN, roi_ids=ids.astype(np.int64))


def load_allen_dff() -> Traces:
    """dF/F0 (fraction) of 74 neurons over 6001 frames at 30 Hz, from the Allen Brain Observatory.

    An excerpt of experiment 552195520 as shipped with CASCADE; 30 Hz is the rate CASCADE's
    demo uses for it.
    """
    return _cascade_dff("allen_552195520_excerpt_dff.mat", fs=30.0)


def load_zebrafish_dff() -> Traces:
    """dF/F0 (fraction) of 1003 neurons over 260 frames at 7.5 Hz: adult zebrafish pDp, OGB-1.

    The file holds 1005 rows; rows 60 and 348 are all NaN and are dropped (``dropped_rows``).
    """
    return _cascade_dff("ogb1_zf_pdp_calcium_traces_01.mat", fs=7.5)


def _cascade_dff(name: str, fs: float) -> Traces:
    path, url = _fetch_course_file(name)
    dff = scipy.io.loadmat(path)["dF_traces"].astype(np.float64)
    all_nan = np.isnan(dff).all(axis=1)
    return Traces(traces=dff[~all_nan], fs=fs, units="dF/F0 (fraction)", source=url,
                  licence=_CASCADE, dropped_rows=tuple(np.flatnonzero(all_nan).tolist()))


_SUITE2P_FILES = ("F", "Fneu", "spks", "iscell", "stat", "ops")


def load_suite2p() -> Suite2p:
    """suite2p's output for FISSA's example recording: 23 ROIs x 864 frames, 176 x 156 px.

    ``ops["fs"]`` is 1, a placeholder, so ``fs`` is ``None``. The pickled ``stat.npy`` and
    ``ops.npy`` are only unpickled after their sha256 was verified by :func:`fetch`.
    """
    paths = {part: fetch(f"fissa_s2p_{part}.npy") for part in _SUITE2P_FILES}
    folder_url = posixpath.dirname(course_registry()["fissa_s2p_F.npy"].url) + "/"
    return _suite2p(paths, fs=None, source=folder_url, licence=_FISSA)


def load_suite2p_folder(folder, *, fs: float | None = None) -> Suite2p:
    """Load your own suite2p output folder (``.../suite2p/plane0``) like :func:`load_suite2p`.

    ``stat.npy`` and ``ops.npy`` are Python pickles, and unpickling runs code: only load
    folders you trust (your own suite2p runs).

    Parameters
    ----------
    folder : str or Path
        Folder holding ``F.npy``, ``Fneu.npy``, ``spks.npy``, ``iscell.npy``, ``stat.npy`` and
        ``ops.npy``.
    fs : float, optional
        The recording's frame rate in Hz, if you know it. ``ops["fs"]`` is not used: suite2p
        writes its default there when it was not given one; it stays available in ``.ops``.

    Raises
    ------
    FileNotFoundError
        If one of the six files is missing.
    ValueError
        If the files disagree on the number of ROIs or frames.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path (str or Path) to suite2p/plane0, got {folder!r}")
    if fs is not None:
        fs = validate.positive(fs, "fs", unit="Hz")
    folder = Path(folder).expanduser().resolve()
    paths = {part: folder / f"{part}.npy" for part in _SUITE2P_FILES}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not a complete suite2p plane folder: missing "
                                f"{', '.join(missing)} (pass the suite2p/plane0 folder)")
    return _suite2p(paths, fs=fs, source=str(folder), licence="not stated (your own data)")


def _suite2p(paths: Mapping[str, Path], *, fs, source: str, licence: str) -> Suite2p:
    F, Fneu, spks, iscell = (np.load(paths[part]).astype(np.float64)
                             for part in ("F", "Fneu", "spks", "iscell"))
    stat = list(np.load(paths["stat"], allow_pickle=True))
    ops = np.load(paths["ops"], allow_pickle=True).item()
    shapes = {"F": F.shape, "Fneu": Fneu.shape, "spks": spks.shape}
    if len(set(shapes.values())) != 1 or iscell.shape != (len(F), 2) or len(stat) != len(F):
        raise ValueError(f"suite2p files in {source} disagree: {shapes}, iscell {iscell.shape}, "
                         f"stat has {len(stat)} ROIs; are they from the same run?")
    return Suite2p(F=F, Fneu=Fneu, spks=spks, iscell=iscell[:, 0].astype(bool),
                   cell_probability=iscell[:, 1], stat=stat, ops=ops,
                   masks=_stat_masks(stat, (int(ops["Ly"]), int(ops["Lx"]))),
                   mean_image=np.asarray(ops["meanImg"], dtype=np.float64),
                   neucoeff=float(ops["neucoeff"]), fs=fs, source=source, licence=licence)


def _stat_masks(stat: list, shape: tuple[int, int]) -> np.ndarray:
    """Boolean masks from suite2p's ``ypix``/``xpix``, all pixels kept (overlaps included)."""
    masks = np.zeros((len(stat), *shape), dtype=bool)
    roi = np.repeat(np.arange(len(stat)), [len(s["ypix"]) for s in stat])
    masks[roi, np.concatenate([s["ypix"] for s in stat]),
          np.concatenate([s["xpix"] for s in stat])] = True
    return masks


# --------------------------------------------------------------------------- ground truth

# The six CASCADE ground-truth files (data manifest, section "Ground truth"): dataset number ->
# (file name in the registry, CASCADE folder, indicator, preparation).
_GROUND_TRUTH_FILES = {
    "ds02": ("ds02_CAttached_Kwan2012_OGB_L23_pyramidal_cell12_mini.mat", "DS02-OGB1-2-m-V1",
             "OGB-1", "mouse V1, layer 2/3 pyramidal cell (Kwan & Dan 2012)"),
    "ds06": ("ds06_CAttached_GC_aDp_190501_Fish1_cell3_mini.mat", "DS06-GCaMP6f-zf-aDp",
             "GCaMP6f", "adult zebrafish, area aDp (Rupprecht et al. 2021)"),
    "ds11": ("ds11_CAttached_Allen_Cux2f_103721_neuropil_subtracted_mini.mat",
             "DS11-GCaMP6f-m-V1-neuropil-corrected", "GCaMP6f",
             "mouse V1, Cux2 excitatory neuron, Allen ophys-ephys, neuropil-subtracted"),
    "ds16": ("ds16_CAttached_Theis16_set5_GCaMP6s_V1_2_mini.mat", "DS16-GCaMP6s-m-V1",
             "GCaMP6s", "mouse V1 (Theis et al. 2016, set 5)"),
    "ds29": ("ds29_CAttached_jGCaMP7f_471991_3_mini.mat", "DS29-GCaMP7f-m-V1",
             "jGCaMP7f", "mouse V1 (Dana et al. 2019)"),
    "ds31": ("ds31_CAttached_jGCaMP8m_479115_3_mini.mat", "DS31-GCaMP8m-m-V1",
             "jGCaMP8m", "mouse V1 (Zhang et al. 2023)"),
}
# Recordings per file, in file order (ds02 holds three recordings of the same neuron).
_GROUND_TRUTH_RECORDINGS = {"ds02": 3, "ds06": 1, "ds11": 1, "ds16": 1, "ds29": 1, "ds31": 1}
_EPHYS_CLOCK_HZ = 1e4  # events_AP counts samples of the electrophysiology's 10 kHz clock


def ground_truth_names() -> tuple[str, ...]:
    """Names of the ground-truth recordings for :func:`load_ground_truth`, in a fixed order.

    ``"ds02_1"`` ... ``"ds31_1"``: eight recordings from six CASCADE ground-truth files (the
    first file holds three recordings of one OGB-1 neuron). The recordings are the answer key
    of event detection and spike inference; the course keeps other such recordings for its
    own evaluation, so no method should be tuned to these.
    """
    return tuple(f"{dataset}_{k}" for dataset, n in _GROUND_TRUTH_RECORDINGS.items()
                 for k in range(1, n + 1))


def load_ground_truth(name: str) -> GroundTruthRecording:
    """A neuron's ΔF/F₀ with its electrically recorded spikes, from the CASCADE database.

    The MATLAB file holds ``CAttached``, one struct per recording, with ``fluo_time`` (frame
    times, s), ``fluo_mean`` (ΔF/F₀, fraction) and ``events_AP`` (spike times in samples of a
    10 kHz clock). Read here with the file's quirks handled the way CASCADE's own reader does:

    * ``fluo_mean`` may be one sample longer than ``fluo_time``: both are cut to the shorter;
    * frames whose time or ΔF/F₀ is NaN are dropped (both arrays), as are NaN spike times;
    * spike samples are divided by 10 000 to give seconds on the frame times' clock; spikes
      outside the imaged span (half a frame before the first frame time to half a frame after
      the last) are dropped: nothing was imaged then;
    * the frame rate is ``1 / median(diff(frame_times_s))``.

    Parameters
    ----------
    name : str
        One of :func:`ground_truth_names`, e.g. ``"ds06_1"``.

    Returns
    -------
    GroundTruthRecording

    Raises
    ------
    ValueError
        For an unknown name (the message lists the names), or a file that is not in CASCADE's
        ground-truth format.
    DataUnavailableError
        If the file is neither in the cache nor downloadable (see :func:`fetch`).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a ground-truth recording's name (a str), one of "
                        f"{', '.join(ground_truth_names())}; got {name!r}")
    if name not in ground_truth_names():
        raise ValueError(f"unknown ground-truth recording name={name!r}; choose one of "
                         f"{', '.join(ground_truth_names())}")
    dataset, _, number = name.partition("_")
    file_name, folder, indicator, preparation = _GROUND_TRUTH_FILES[dataset]
    path, url = _fetch_course_file(file_name)
    recordings = _read_cascade_ground_truth(path)
    if len(recordings) != _GROUND_TRUTH_RECORDINGS[dataset]:
        raise ValueError(f"{file_name} holds {len(recordings)} recordings, expected "
                         f"{_GROUND_TRUTH_RECORDINGS[dataset]}: is it the registered file?")
    part = recordings[int(number) - 1]
    return GroundTruthRecording(
        name=name, dataset=folder, indicator=indicator, preparation=preparation,
        dff=part["dff"], frame_times_s=part["frame_times_s"], spike_times_s=part["spike_times_s"],
        fs=part["fs"], noise_level=float(groundtruth.noise_level(part["dff"], part["fs"])),
        n_dropped_frames=part["n_dropped_frames"], n_dropped_spikes=part["n_dropped_spikes"],
        source=url, licence=_CASCADE_GROUND_TRUTH)


def _read_cascade_ground_truth(path) -> list[dict]:
    """Every recording of a CASCADE ground-truth ``.mat`` file, quirks handled (see above)."""
    try:
        content = scipy.io.loadmat(path)
    except (ValueError, TypeError, OSError, scipy.io.matlab.MatReadError) as err:
        raise ValueError(f"{path} is not a MATLAB file ({err})") from None
    if "CAttached" not in content:
        raise ValueError(f"{path} has no variable CAttached: it is not a CASCADE ground-truth file")
    cells = np.asarray(content["CAttached"]).ravel()
    return [_ground_truth_part(cell, f"{path}, recording {k + 1}") for k, cell in enumerate(cells)]


def _ground_truth_part(cell, where: str) -> dict:
    struct = np.asarray(cell).ravel()[0] if np.asarray(cell).dtype == object else cell
    struct = np.asarray(struct).ravel()[0]
    fields = struct.dtype.names or ()
    missing = [f for f in ("fluo_time", "fluo_mean", "events_AP") if f not in fields]
    if missing:
        raise ValueError(f"{where}: the struct lacks {', '.join(missing)}: not CASCADE's format")
    times, dff, events = (np.asarray(struct[f], dtype=np.float64).ravel()
                          for f in ("fluo_time", "fluo_mean", "events_AP"))
    n = min(times.size, dff.size)
    longer = max(times.size, dff.size) - n
    times, dff = times[:n], dff[:n]
    keep = np.isfinite(times) & np.isfinite(dff)
    times, dff = times[keep], dff[keep]
    if times.size < 2 or not (np.diff(times) > 0).all():
        raise ValueError(f"{where}: fewer than 2 frames, or frame times that do not increase")
    frame_s = float(np.median(np.diff(times)))
    spikes = np.sort(events[np.isfinite(events)]) / _EPHYS_CLOCK_HZ
    # Nothing was imaged outside the frames' own intervals (CASCADE bins spikes the same way).
    inside = (spikes >= times[0] - frame_s / 2) & (spikes < times[-1] + frame_s / 2)
    return {"dff": dff, "frame_times_s": times, "spike_times_s": spikes[inside], "fs": 1.0 / frame_s,
            "n_dropped_frames": int(longer + (~keep).sum()),
            "n_dropped_spikes": int(events.size - inside.sum())}


# --------------------------------------------------------------------------- command line

def _command_line(argv=None) -> int:
    """``list`` or ``fetch`` the registry's files; return the exit status (1 if any failed)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data",
        description=f"Prefetch or list the course's data files. The cache folder is "
                    f"${CACHE_ENV} if set, else pooch's per-user cache.")
    parser.add_argument("--registry", type=Path, default=None,
                        help="registry file to use instead of the course's data_registry.txt")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show every file: cached, missing or corrupt")
    fetch_parser = commands.add_parser("fetch", help="download and verify files")
    fetch_parser.add_argument("names", nargs="*", metavar="NAME", help="files to fetch")
    fetch_parser.add_argument("--all", action="store_true",
                              help="every file the lessons need (all but the optional large "
                                   "recordings, which are known only by a git blob id)")
    fetch_parser.add_argument("--include-large", action="store_true",
                              help="with --all, also the optional large recordings")
    args = parser.parse_args(argv)
    if args.command == "fetch" and not args.names and not args.all:
        parser.error("fetch: give file names or --all")
    registry = course_registry() if args.registry is None else read_registry(args.registry)
    folder = cache_dir()
    print(f"data cache: {folder}")
    if args.command == "list":
        for entry in registry.values():
            note = "  (optional)" if entry.optional else ""
            print(f"{entry.name:36} {_state(folder / entry.name, entry):8} {entry.url}{note}")
        return 0
    names = list(args.names)
    if args.all:
        names += [entry.name for entry in registry.values()
                  if args.include_large or not entry.optional]
    failures = sum(not _fetch_and_report(name, registry, folder) for name in dict.fromkeys(names))
    if failures:
        print(f"{failures} file(s) FAILED. Run this where there is internet access, or download "
              f"the files from their URLs (`python -m helpers.data list`) into a folder and set "
              f"{CACHE_ENV} to it.")
    return 1 if failures else 0


def _fetch_and_report(name: str, registry: Mapping[str, Entry], folder: Path) -> bool:
    try:
        _, downloaded = _obtain(_entry(name, registry), folder)
    except DataUnavailableError as err:
        print(f"{name:36} FAILED: {err.reason}")
        return False
    except ValueError as err:
        print(f"{name:36} FAILED: {err}")
        return False
    print(f"{name:36} {'downloaded' if downloaded else 'ok'}")
    return True


if __name__ == "__main__":
    sys.exit(_command_line())
