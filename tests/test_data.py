"""Tests of helpers.data: the registry, fetching (real downloads from a local HTTP server),
its failure paths, the prefetch command line, and every loader on the real data offline."""
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pooch
import pytest
import roifile
import scipy.io
import tifffile
from matplotlib.path import Path as Outline

import needs
from helpers import data

ROOT = Path(__file__).resolve().parents[1]
#: The data cache holding the course's real data files, as helpers.data locates it (conftest.py
#: points CALCIUM_COURSE_DATA at the shared folder beside the checkout when it is not set).
SHARED = data.cache_dir()
SHARED_FILES = sorted(p.name for p in SHARED.glob("*") if p.name != "MANIFEST.md")
#: Registry files that are not in the shared folder (the tests that need them download them).
DOWNLOADED_ONLY = {"caiman_demoMovie.tif", "beck_fluorescent_data.csv"}


@pytest.fixture
def _shared_data():
    """The real data files are in the cache (skip, or fail under CI, naming what is missing)."""
    for name in sorted(set(data.course_registry()) - DOWNLOADED_ONLY):
        needs.data_file(name)


needs_shared = pytest.mark.usefixtures("_shared_data")

# Git blob ids of two shared files, as listed in the shared data's MANIFEST.md (found by git).
BLOB_IDS = {"sima_imagej_rois.zip": "e66da3367d5a76e6b295e3e2018d16318e4a1a1f",
            "fissa_s2p_iscell.npy": "bbe266debae868f17835ababf088f951c39112e3"}


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving tmp_path/server; `.requests` lists the GET paths."""
    root = tmp_path / "server"
    root.mkdir()
    requests_seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            requests_seen.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield SimpleNamespace(root=root, url=f"http://127.0.0.1:{httpd.server_port}/",
                          requests=requests_seen)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (the server is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CALCIUM_COURSE_DATA", str(folder))
    return folder


@pytest.fixture
def shared_cache(monkeypatch):
    monkeypatch.setenv("CALCIUM_COURSE_DATA", str(SHARED))


def sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def git_blob_id(content: bytes) -> str:
    """The blob id git itself computes, independent of helpers.data."""
    done = subprocess.run(["git", "hash-object", "--no-filters", "--stdin"], input=content,
                          capture_output=True, check=True)
    return "gitblob:" + done.stdout.decode().strip()


def write_registry(path: Path, base_url: str, hashes: dict) -> Path:
    """A registry file with one line per name -> hash, the URL being base_url + name."""
    lines = ["# test registry: NAME HASH URL"]
    lines += [f"{name} {hash_} {base_url}{name}" for name, hash_ in hashes.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def serve(server, name: str, content: bytes) -> None:
    (server.root / name).write_bytes(content)


def registry_for(tmp_path, base_url, hashes):
    return data.read_registry(write_registry(tmp_path / "registry.txt", base_url, hashes))


def snapshot(folder: Path) -> dict:
    """Names, sizes and modification times of a folder and its files."""
    entries = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
    return {".": folder.stat().st_mtime_ns, **entries}


CONTENT = b"calcium " * 1000


# --------------------------------------------------------------------------- registry

@needs_shared
def test_course_registry_lists_every_shared_file_with_its_sha256():
    registry = data.course_registry()
    assert set(registry) == set(SHARED_FILES) | DOWNLOADED_ONLY
    assert len(SHARED_FILES) == 19
    for name in SHARED_FILES:
        entry = registry[name]
        assert entry.algorithm == "sha256" and not entry.optional
        assert entry.digest == hashlib.sha256((SHARED / name).read_bytes()).hexdigest(), name
    for entry in registry.values():
        owner_repo_commit = entry.url.removeprefix("https://raw.githubusercontent.com/").split("/")
        assert len(owner_repo_commit[2]) == 40, f"{entry.name}: URL not pinned to a commit"
    assert registry["caiman_demoMovie.tif"].algorithm == "gitblob"
    assert registry["beck_fluorescent_data.csv"].url.endswith("/data/Fluorescent%20Data.csv")
    assert {name for name, e in registry.items() if e.optional} == {"caiman_demoMovie.tif",
                                                                    "beck_fluorescent_data.csv"}


def test_pooch_can_read_the_course_registry(tmp_path):
    fetcher = pooch.create(path=tmp_path, base_url="")
    fetcher.load_registry(data.REGISTRY_FILE)
    assert set(fetcher.registry) == set(data.course_registry())
    assert fetcher.urls == {name: e.url for name, e in data.course_registry().items()}


@pytest.mark.parametrize("line, complaint", [
    ("a.tif sha256:" + "0" * 64, "3 fields"),
    ("a b.tif sha256:" + "0" * 64 + " https://x/a", "3 fields"),
    ("a.tif md5:" + "0" * 32 + " https://x/a", "'sha256:' or 'gitblob:'"),
    ("a.tif sha256:" + "0" * 40 + " https://x/a", "64 hex digits"),
    ("a.tif gitblob:" + "z" * 40 + " https://x/a", "40 hex digits"),
    ("a.tif sha256:" + "0" * 64 + " ftp://x/a", "https://"),
])
def test_read_registry_rejects_malformed_lines(tmp_path, line, complaint):
    path = tmp_path / "registry.txt"
    path.write_text("# comment\n\n" + line + "\n")
    with pytest.raises(ValueError, match="line 3") as err:
        data.read_registry(path)
    assert complaint in str(err.value)


def test_read_registry_rejects_a_name_listed_twice(tmp_path):
    line = "a.tif sha256:" + "0" * 64 + " https://x/a\n"
    (tmp_path / "r.txt").write_text(line + line)
    with pytest.raises(ValueError, match="listed twice"):
        data.read_registry(tmp_path / "r.txt")


def test_missing_course_registry_says_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "REGISTRY_FILE", tmp_path / "data_registry.txt")
    data.course_registry.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="pip install -e") as err:
            data.fetch("sima_example.tif")
        assert str(tmp_path / "data_registry.txt") in str(err.value)
    finally:
        monkeypatch.undo()
        data.course_registry.cache_clear()
    assert "sima_example.tif" in data.course_registry()


def test_cache_dir_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALCIUM_COURSE_DATA", "relative/cache")
    assert data.cache_dir() == tmp_path / "relative" / "cache"
    monkeypatch.delenv("CALCIUM_COURSE_DATA")
    assert data.cache_dir() == Path(pooch.os_cache("calcium-course"))


# --------------------------------------------------------------------------- fetching

def test_fetch_downloads_and_verifies(tmp_path, server, cache):
    serve(server, "movie.tif", CONTENT)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    path = data.fetch("movie.tif", registry=registry)
    assert path == cache / "movie.tif"
    assert path.read_bytes() == CONTENT
    assert server.requests == ["/movie.tif"]


def test_a_verified_cached_file_is_never_downloaded_again(tmp_path, server, cache):
    serve(server, "movie.tif", CONTENT)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    data.fetch("movie.tif", registry=registry)
    data.fetch("movie.tif", registry=registry)
    assert len(server.requests) == 1


def test_a_file_placed_in_the_cache_makes_no_request(tmp_path, server, cache):
    cache.mkdir()
    (cache / "movie.tif").write_bytes(CONTENT)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    assert data.fetch("movie.tif", registry=registry).read_bytes() == CONTENT
    assert server.requests == []


def test_cache_argument_overrides_the_environment_variable(tmp_path, server, cache):
    serve(server, "movie.tif", CONTENT)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    elsewhere = tmp_path / "elsewhere"
    assert data.fetch("movie.tif", registry=registry, cache=elsewhere) == elsewhere / "movie.tif"
    assert not cache.exists()


def test_a_download_with_the_wrong_hash_is_deleted_and_reported(tmp_path, server, cache):
    serve(server, "movie.tif", CONTENT[:-1] + b"X")
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    with pytest.raises(data.DataIntegrityError) as err:
        data.fetch("movie.tif", registry=registry)
    message = str(err.value)
    assert "'movie.tif'" in message and f"{server.url}movie.tif" in message
    assert "does not match its sha256 hash" in message and "deleted" in message
    assert list(cache.iterdir()) == []  # neither the file nor a temporary download remains
    assert isinstance(err.value, data.DataUnavailableError)


def test_a_gitblob_entry_is_verified_after_download(tmp_path, server, cache):
    serve(server, "good.csv", CONTENT)
    serve(server, "bad.csv", CONTENT + b"\n")
    registry = registry_for(tmp_path, server.url, {"good.csv": git_blob_id(CONTENT),
                                                   "bad.csv": git_blob_id(CONTENT)})
    assert data.fetch("good.csv", registry=registry).read_bytes() == CONTENT
    with pytest.raises(data.DataIntegrityError, match="does not match its gitblob hash"):
        data.fetch("bad.csv", registry=registry)
    assert sorted(p.name for p in cache.iterdir()) == ["good.csv"]


@needs_shared
@pytest.mark.parametrize("name", sorted(BLOB_IDS))
def test_gitblob_ids_from_the_manifest_are_accepted(tmp_path, server, cache, name):
    shutil.copy(SHARED / name, server.root / name)
    registry = registry_for(tmp_path, server.url, {name: f"gitblob:{BLOB_IDS[name]}"})
    assert data.fetch(name, registry=registry).read_bytes() == (SHARED / name).read_bytes()


def test_a_corrupt_cached_copy_is_downloaded_again(tmp_path, server, cache):
    cache.mkdir()
    (cache / "movie.tif").write_bytes(b"truncated")
    serve(server, "movie.tif", CONTENT)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    assert data.fetch("movie.tif", registry=registry).read_bytes() == CONTENT
    assert len(server.requests) == 1


@pytest.mark.parametrize("hash_of", [sha256, git_blob_id])
def test_a_corrupt_cached_copy_offline_is_deleted_and_reported(tmp_path, closed_port_url, cache,
                                                               hash_of):
    cache.mkdir()
    (cache / "movie.tif").write_bytes(b"truncated")
    registry = registry_for(tmp_path, closed_port_url, {"movie.tif": hash_of(CONTENT)})
    with pytest.raises(data.DataUnavailableError, match="corrupt") as err:
        data.fetch("movie.tif", registry=registry)
    assert not isinstance(err.value, data.DataIntegrityError)
    assert not (cache / "movie.tif").exists()


def test_server_down_gives_one_clear_error(tmp_path, closed_port_url, cache):
    registry = registry_for(tmp_path, closed_port_url, {"movie.tif": sha256(CONTENT)})
    with pytest.raises(data.DataUnavailableError) as err:
        data.fetch("movie.tif", registry=registry)
    message = str(err.value)
    for needed in ("'movie.tif'", f"{closed_port_url}movie.tif", "CALCIUM_COURSE_DATA",
                   "python -m helpers.data fetch --all", str(cache), "no connection"):
        assert needed in message
    shown = "".join(traceback.format_exception(err.value))
    for internal in ("requests", "urllib3", "ConnectionPool", "Errno"):
        assert internal not in shown
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert (err.value.name, err.value.url) == ("movie.tif", f"{closed_port_url}movie.tif")


def test_http_error_names_the_status(tmp_path, server, cache):
    registry = registry_for(tmp_path, server.url, {"absent.tif": sha256(CONTENT)})
    with pytest.raises(data.DataUnavailableError, match="HTTP 404"):
        data.fetch("absent.tif", registry=registry)
    assert list(cache.iterdir()) == []


def test_unknown_name_lists_the_known_names(tmp_path, server):
    registry = registry_for(tmp_path, server.url, {"a.tif": sha256(b"a"), "b.npy": sha256(b"b")})
    with pytest.raises(ValueError, match=r"'nope'.*a\.tif, b\.npy"):
        data.fetch("nope", registry=registry)


@pytest.fixture
def read_only_cache(cache):
    """A cache folder with no write permission bit (helpers.data honours it even for root)."""
    cache.mkdir()
    yield cache
    cache.chmod(0o755)


def test_a_read_only_cache_is_used_without_writing(tmp_path, server, read_only_cache):
    (read_only_cache / "movie.tif").write_bytes(CONTENT)
    read_only_cache.chmod(0o555)
    before = snapshot(read_only_cache)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT),
                                                   "other.tif": sha256(CONTENT)})
    assert data.fetch("movie.tif", registry=registry).read_bytes() == CONTENT
    with pytest.raises(data.DataUnavailableError, match="read-only"):
        data.fetch("other.tif", registry=registry)
    assert snapshot(read_only_cache) == before and server.requests == []


def test_a_corrupt_copy_in_a_read_only_cache_is_left_and_never_loaded(tmp_path, server,
                                                                      read_only_cache):
    (read_only_cache / "movie.tif").write_bytes(b"truncated")
    read_only_cache.chmod(0o555)
    before = snapshot(read_only_cache)
    registry = registry_for(tmp_path, server.url, {"movie.tif": sha256(CONTENT)})
    with pytest.raises(data.DataIntegrityError, match="read-only") as err:
        data.fetch("movie.tif", registry=registry)
    assert "the copy in the cache" in str(err.value) and "CALCIUM_COURSE_DATA" in str(err.value)
    assert snapshot(read_only_cache) == before and server.requests == []


@needs_shared
def test_every_shared_file_is_fetched_from_the_shared_folder_without_writing(shared_cache):
    before = snapshot(SHARED)
    for name in SHARED_FILES:
        assert data.fetch(name) == SHARED / name
    assert snapshot(SHARED) == before


# --------------------------------------------------------------------------- command line

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "helpers.data", *map(str, args)],
                          capture_output=True, text=True, env=os.environ.copy(), cwd=ROOT)


def test_cli_fetch_all_downloads_then_reports_ok(tmp_path, server, cache):
    serve(server, "a.tif", CONTENT)
    serve(server, "b.npy", CONTENT[:10])
    registry = write_registry(tmp_path / "r.txt", server.url,
                              {"a.tif": sha256(CONTENT), "b.npy": sha256(CONTENT[:10]),
                               "large.csv": git_blob_id(CONTENT)})
    first = run_cli("--registry", registry, "fetch", "--all")
    assert first.returncode == 0, first.stdout + first.stderr
    assert [line.split() for line in first.stdout.splitlines()[1:]] == [
        ["a.tif", "downloaded"], ["b.npy", "downloaded"]]
    assert "/large.csv" not in server.requests
    serve(server, "large.csv", CONTENT)
    again = run_cli("--registry", registry, "fetch", "--all", "--include-large")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [line.split() for line in again.stdout.splitlines()[1:]] == [
        ["a.tif", "ok"], ["b.npy", "ok"], ["large.csv", "downloaded"]]
    assert (cache / "large.csv").read_bytes() == CONTENT
    assert len(server.requests) == 3


def test_cli_fails_with_a_reason_per_file(tmp_path, server, cache):
    serve(server, "a.tif", CONTENT)
    serve(server, "bad.tif", b"not the registered bytes")
    registry = write_registry(tmp_path / "r.txt", server.url,
                              {"a.tif": sha256(CONTENT), "bad.tif": sha256(CONTENT)})
    done = run_cli("--registry", registry, "fetch", "a.tif", "bad.tif", "nope")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["a.tif", "downloaded"]
    assert lines[2].startswith("bad.tif") and "FAILED: the download does not match" in lines[2]
    assert lines[3].startswith("nope") and "FAILED: unknown data file" in lines[3]
    assert "Traceback" not in done.stderr


def test_cli_offline_fails_without_traceback(tmp_path, closed_port_url, cache):
    registry = write_registry(tmp_path / "r.txt", closed_port_url, {"a.tif": sha256(CONTENT)})
    done = run_cli("--registry", registry, "fetch", "--all")
    assert done.returncode == 1
    assert "a.tif" in done.stdout and "FAILED: no connection" in done.stdout
    assert "Traceback" not in done.stderr and "urllib3" not in done.stdout + done.stderr


@needs_shared
def test_cli_list_and_fetch_on_the_shared_folder(shared_cache):
    listed = run_cli("list")
    assert listed.returncode == 0
    states = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()[1:]}
    assert states == {**{name: "cached" for name in SHARED_FILES},
                      "caiman_demoMovie.tif": "missing", "beck_fluorescent_data.csv": "missing"}
    fetched = run_cli("fetch", "--all")
    assert fetched.returncode == 0, fetched.stdout
    assert fetched.stdout.count(" ok") == 19
    assert run_cli("fetch").returncode == 2  # nothing asked for: a usage error


# --------------------------------------------------------------------------- loaders (offline)

@needs_shared
def test_sima_movie(shared_cache):
    movie = data.load_sima_movie()
    assert movie.movie.dtype == np.float32 and movie.movie.shape == (20, 128, 256)
    raw = tifffile.imread(SHARED / "sima_example.tif")
    np.testing.assert_array_equal(movie.movie, raw)
    assert movie.movie.max() <= 4095 and movie.fs is None and movie.reference is None
    assert movie.source == data.course_registry()["sima_example.tif"].url
    assert "GPL-2.0" in movie.licence


def shoelace_area(xy: np.ndarray) -> float:
    x, y = xy.T
    return 0.5 * abs(sum(x[i] * y[i - 1] - x[i - 1] * y[i] for i in range(len(x))))


def outline_mask(xy: np.ndarray, shape) -> tuple[np.ndarray, np.ndarray]:
    """Pixels whose centre is inside the outline, and pixels whose centre is on its edge."""
    rows, cols = np.indices(shape)
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    # One radius shrinks the outline and the other grows it (which one depends on orientation).
    shrunk, grown = (Outline(xy).contains_points(centres, radius=r).reshape(shape)
                     for r in (-1e-6, 1e-6))
    return shrunk & grown, shrunk ^ grown


def assert_matches_outline(mask, xy):
    inside, on_edge = outline_mask(xy, mask.shape)
    np.testing.assert_array_equal(mask[~on_edge], inside[~on_edge])


@needs_shared
def test_sima_rois(shared_cache):
    masks = data.load_sima_rois()
    assert masks.dtype == bool and masks.shape == (2, 128, 256)
    for mask, roi in zip(masks, roifile.roiread(SHARED / "sima_imagej_rois.zip")):
        assert mask.any()
        rows, cols = np.nonzero(mask)
        assert roi.top <= rows.min() and rows.max() < roi.bottom <= 128
        assert roi.left <= cols.min() and cols.max() < roi.right <= 256
        xy = roi.coordinates()
        assert abs(mask.sum() - shoelace_area(xy)) <= 0.1 * shoelace_area(xy)
        assert_matches_outline(mask, xy)


def test_imagej_rectangle_oval_and_polygon(tmp_path):
    shape = (40, 50)
    rect = roifile.ImagejRoi(roitype=roifile.ROI_TYPE.RECT, left=5, top=3, right=17, bottom=10,
                             name="rect")
    oval = roifile.ImagejRoi(roitype=roifile.ROI_TYPE.OVAL, left=20, top=10, right=40, bottom=30,
                             name="oval")
    triangle = roifile.ImagejRoi.frompoints([[2, 20], [30, 25], [10, 38]], name="triangle")
    zip_path = tmp_path / "RoiSet.zip"
    roifile.roiwrite(zip_path, [rect, oval, triangle])
    masks = data.load_imagej_rois(zip_path, shape)
    assert masks.shape == (3, *shape) and masks.dtype == bool
    expected_rect = np.zeros(shape, bool)
    expected_rect[3:10, 5:17] = True  # ImageJ: a rectangle covers rows top..bottom-1
    np.testing.assert_array_equal(masks[0], expected_rect)
    assert abs(masks[1].sum() - np.pi * 10 * 10) < 0.03 * np.pi * 100
    assert_matches_outline(masks[2], np.array([[2, 20], [30, 25], [10, 38]], float))
    single = tmp_path / "one.roi"
    rect.tofile(single)
    np.testing.assert_array_equal(data.load_imagej_rois(single, shape)[0], expected_rect)


def test_imagej_rois_that_are_not_areas_or_outside_the_image(tmp_path):
    line = roifile.ImagejRoi(roitype=roifile.ROI_TYPE.LINE, x1=1, y1=1, x2=9, y2=9, name="cut")
    line.tofile(tmp_path / "line.roi")
    with pytest.raises(ValueError, match="'cut' is a line, not an area"):
        data.load_imagej_rois(tmp_path / "line.roi", (20, 20))
    far = roifile.ImagejRoi.frompoints([[100, 100], [120, 100], [110, 120]], name="far")
    far.tofile(tmp_path / "far.roi")
    with pytest.raises(ValueError, match="no pixel inside the image"):
        data.load_imagej_rois(tmp_path / "far.roi", (20, 20))


@needs_shared
def test_allen_raw_crop(shared_cache):
    crop = data.load_allen_raw_crop()
    assert crop.movie.dtype == np.float32 and crop.movie.shape == (100, 100, 100)
    assert crop.reference.dtype == np.float64 and crop.reference.shape == (100, 100)
    assert crop.fs is None and "Allen" in crop.licence
    with h5py.File(SHARED / "allen_792757260_raw_crop.h5") as file:
        np.testing.assert_array_equal(crop.movie[7], file["input_frames"][7])
        np.testing.assert_array_equal(crop.reference, file["ave_image"][()])


@needs_shared
def test_allen_roi_and_neuropil_traces(shared_cache):
    roi, neuropil = data.load_allen_roi_traces(), data.load_allen_neuropil_traces()
    for traces in (roi, neuropil):
        assert traces.traces.dtype == np.float64 and traces.traces.shape == (3, 48160)
        assert traces.fs is None and traces.units == "a.u."
        assert traces.roi_ids.tolist() == [1109811483, 1109811486, 1109811490]
    # Medians as listed in the data manifest: the ROIs are rows, not columns.
    np.testing.assert_allclose(np.median(roi.traces, axis=1), [250.5, 91.0, 171.3], atol=0.1)
    np.testing.assert_allclose(np.median(neuropil.traces, axis=1), [118.3, 119.7, 115.3], atol=0.1)


@needs_shared
def test_allen_dff(shared_cache):
    dff = data.load_allen_dff()
    assert dff.traces.dtype == np.float64 and dff.traces.shape == (74, 6001)
    assert dff.fs == 30.0 and dff.units == "dF/F0 (fraction)" and dff.dropped_rows == ()
    assert not np.isnan(dff.traces).any() and dff.traces.max() < 5  # a fraction, not percent
    raw = scipy.io.loadmat(SHARED / "allen_552195520_excerpt_dff.mat")["dF_traces"]
    np.testing.assert_array_equal(dff.traces, raw)


@needs_shared
def test_zebrafish_dff_drops_the_all_nan_rows(shared_cache):
    dff = data.load_zebrafish_dff()
    assert dff.traces.dtype == np.float64 and dff.traces.shape == (1003, 260)
    assert dff.fs == 7.5 and dff.dropped_rows == (60, 348)
    assert not np.isnan(dff.traces).any()
    raw = scipy.io.loadmat(SHARED / "ogb1_zf_pdp_calcium_traces_01.mat")["dF_traces"]
    kept = [row for row in range(len(raw)) if row not in (60, 348)]
    np.testing.assert_array_equal(dff.traces, raw[kept])


def masks_by_loop(stat, shape):
    masks = np.zeros((len(stat), *shape), bool)
    for i, roi in enumerate(stat):
        for y, x in zip(roi["ypix"], roi["xpix"]):
            masks[i, y, x] = True
    return masks


def assert_fissa_suite2p(s2p):
    for name in ("F", "Fneu", "spks"):
        values = getattr(s2p, name)
        assert values.dtype == np.float64 and values.shape == (23, 864), name
    assert s2p.iscell.dtype == bool and s2p.iscell.shape == (23,) and s2p.iscell.sum() == 21
    assert s2p.cell_probability.shape == (23,)
    assert (s2p.cell_probability >= 0).all() and (s2p.cell_probability <= 1).all()
    assert len(s2p.stat) == 23 and s2p.stat[0]["npix"] == 63
    assert s2p.masks.dtype == bool and s2p.masks.shape == (23, 176, 156)
    np.testing.assert_array_equal(s2p.masks, masks_by_loop(s2p.stat, (176, 156)))
    assert s2p.mean_image.shape == (176, 156) and s2p.neucoeff == 0.7
    assert s2p.ops["fs"] == 1


@needs_shared
def test_suite2p(shared_cache):
    s2p = data.load_suite2p()
    assert_fissa_suite2p(s2p)
    assert s2p.fs is None  # ops["fs"] = 1 is a placeholder
    np.testing.assert_array_equal(s2p.F, np.load(SHARED / "fissa_s2p_F.npy"))
    iscell = np.load(SHARED / "fissa_s2p_iscell.npy")
    np.testing.assert_array_equal(s2p.iscell, iscell[:, 0] == 1)
    np.testing.assert_array_equal(s2p.cell_probability, iscell[:, 1])
    assert s2p.source.endswith("/suite2p/plane0/") and "GPL-3.0" in s2p.licence


@pytest.fixture
def plane0(tmp_path):
    folder = tmp_path / "suite2p" / "plane0"
    folder.mkdir(parents=True)
    for part in ("F", "Fneu", "spks", "iscell", "stat", "ops"):
        shutil.copy(SHARED / f"fissa_s2p_{part}.npy", folder / f"{part}.npy")
    return folder


@needs_shared
def test_suite2p_folder_of_ones_own(plane0):
    s2p = data.load_suite2p_folder(plane0, fs=15.0)
    assert_fissa_suite2p(s2p)
    assert s2p.fs == 15.0 and s2p.source == str(plane0)
    assert data.load_suite2p_folder(plane0).fs is None


@needs_shared
def test_suite2p_curated_iscell_is_column_0_not_the_probability(plane0):
    # In suite2p's GUI a user can overrule the classifier: column 0 then disagrees with column 1.
    iscell = np.load(plane0 / "iscell.npy")
    iscell[[0, 1], 0] = 0
    iscell[[0, 1], 1] = [0.9, 0.2]
    np.save(plane0 / "iscell.npy", iscell)
    s2p = data.load_suite2p_folder(plane0)
    assert not s2p.iscell[0] and not s2p.iscell[1] and s2p.iscell.sum() == 19
    np.testing.assert_array_equal(s2p.cell_probability[:2], [0.9, 0.2])


@needs_shared
def test_suite2p_folder_incomplete_or_inconsistent(plane0):
    (plane0 / "spks.npy").unlink()
    with pytest.raises(FileNotFoundError, match="missing spks.npy"):
        data.load_suite2p_folder(plane0)
    np.save(plane0 / "spks.npy", np.zeros((22, 864), np.float32))
    with pytest.raises(ValueError, match="same run"):
        data.load_suite2p_folder(plane0)


# --------------------------------------------------------------------------- ground truth

# From the data manifest's "Ground truth" table: rate (Hz), duration (s) and spikes per recording.
GROUND_TRUTH = {"ds02_1": ("OGB-1", 15.62, 148, 56), "ds02_2": ("OGB-1", 15.62, 148, 37),
                "ds02_3": ("OGB-1", 15.62, 148, 61), "ds06_1": ("GCaMP6f", 30.05, 120, 155),
                "ds11_1": ("GCaMP6f", 158.28, 133, 50), "ds16_1": ("GCaMP6s", 59.11, 169, 474),
                "ds29_1": ("jGCaMP7f", 121.95, 160, 41), "ds31_1": ("jGCaMP8m", 121.95, 170, 47)}


def test_ground_truth_names_and_their_files_in_the_registry():
    assert data.ground_truth_names() == tuple(GROUND_TRUTH)
    registry = data.course_registry()
    for file_name, *_ in data._GROUND_TRUTH_FILES.values():
        assert registry[file_name].algorithm == "sha256" and not registry[file_name].optional


@needs_shared
@pytest.mark.parametrize("name", sorted(GROUND_TRUTH))
def test_load_ground_truth_matches_the_manifest(shared_cache, name):
    indicator, fs, duration_s, n_spikes = GROUND_TRUTH[name]
    rec = data.load_ground_truth(name)
    assert rec.name == name and rec.indicator == indicator and rec.dataset.startswith(name[:4].upper())
    assert rec.dff.dtype == rec.frame_times_s.dtype == rec.spike_times_s.dtype == np.float64
    assert rec.dff.shape == rec.frame_times_s.shape and rec.dff.ndim == 1
    assert np.isfinite(rec.dff).all() and np.abs(rec.dff).max() < 10  # a fraction, not percent
    assert (np.diff(rec.frame_times_s) > 0).all() and (np.diff(rec.spike_times_s) >= 0).all()
    assert rec.fs == pytest.approx(fs, abs=0.01)
    assert rec.duration_s == pytest.approx(duration_s, abs=1)
    assert rec.spike_times_s.size == n_spikes
    # Spikes on the frames' clock: inside the imaged span.
    assert rec.frame_times_s[0] - 0.5 / rec.fs <= rec.spike_times_s.min()
    assert rec.spike_times_s.max() < rec.frame_times_s[-1] + 0.5 / rec.fs
    assert rec.noise_level == pytest.approx(100 * np.median(np.abs(np.diff(rec.dff))) / np.sqrt(rec.fs))
    assert 0.3 < rec.noise_level < 3
    assert rec.source == data.course_registry()[data._GROUND_TRUTH_FILES[name[:4]][0]].url
    assert "GPL-3.0" in rec.licence and "dff=<float64 array" in repr(rec)


@needs_shared
def test_ground_truth_nan_spikes_are_dropped_and_counted(shared_cache):
    rec = data.load_ground_truth("ds16_1")  # its events_AP is padded with NaN
    raw = scipy.io.loadmat(SHARED / data._GROUND_TRUTH_FILES["ds16"][0])["CAttached"][0, 0][0, 0]
    events = raw["events_AP"].ravel()
    assert rec.n_dropped_spikes == np.isnan(events).sum() == events.size - 474
    np.testing.assert_allclose(rec.spike_times_s, np.sort(events[~np.isnan(events)]) / 1e4)


def write_cascade_file(path, recordings):
    """A MATLAB file in CASCADE's ground-truth layout: CAttached, a 1 x n cell of structs."""
    cells = np.empty((1, len(recordings)), dtype=object)
    for i, fields in enumerate(recordings):
        cells[0, i] = fields
    scipy.io.savemat(path, {"CAttached": cells})
    return path


def test_ground_truth_reader_handles_the_format_quirks(tmp_path):
    times = 0.1 + np.arange(8) / 10.0                   # 10 Hz, frames at 0.1 ... 0.8 s
    dff = np.array([0.0, 0.1, np.nan, 0.3, 0.2, 0.1, 0.0, 0.05, 0.9])   # one longer, one NaN
    times_nan = times.copy()
    times_nan[5] = np.nan                               # a frame without a time
    events = np.array([[2000.0], [np.nan], [500.0], [45000.0], [10.0], [8400.0]])  # 10 kHz samples
    second = {"fluo_time": times[None, :], "fluo_mean": np.ones((8, 1)),
              "events_AP": np.array([[3000.0]]), "F0": np.zeros((0, 0))}
    path = write_cascade_file(tmp_path / "gt.mat", [
        {"fluo_time": times_nan[None, :], "fluo_mean": dff[:, None], "events_AP": events}, second])
    first, other = data._read_cascade_ground_truth(path)
    kept = [0, 1, 3, 4, 6, 7]                           # NaN value (2) and NaN time (5) dropped
    np.testing.assert_allclose(first["frame_times_s"], times[kept])
    np.testing.assert_allclose(first["dff"], dff[kept])
    assert first["n_dropped_frames"] == 3               # the extra sample and two NaN frames
    # 0.2 s and 0.84 s are inside [0.05, 0.85); 0.05 s (500) is the first edge; 0.001 s and 4.5 s
    # are outside, and one is NaN.
    np.testing.assert_allclose(first["spike_times_s"], [0.05, 0.2, 0.84])
    assert first["n_dropped_spikes"] == 3
    assert first["fs"] == pytest.approx(10.0)
    np.testing.assert_allclose(other["spike_times_s"], [0.3])
    assert other["n_dropped_frames"] == 0 and other["dff"].shape == (8,)


def test_ground_truth_reader_refuses_other_files(tmp_path):
    scipy.io.savemat(tmp_path / "other.mat", {"dF_traces": np.zeros((2, 5))})
    with pytest.raises(ValueError, match="no variable CAttached"):
        data._read_cascade_ground_truth(tmp_path / "other.mat")
    path = write_cascade_file(tmp_path / "partial.mat", [{"fluo_time": np.arange(5.0)[None, :]}])
    with pytest.raises(ValueError, match="lacks fluo_mean, events_AP"):
        data._read_cascade_ground_truth(path)
    path = write_cascade_file(tmp_path / "backwards.mat", [
        {"fluo_time": np.array([[0.3, 0.2, 0.1]]), "fluo_mean": np.zeros((3, 1)), "events_AP": np.zeros((0, 1))}])
    with pytest.raises(ValueError, match="do not increase"):
        data._read_cascade_ground_truth(path)
    (tmp_path / "text.mat").write_text("not matlab")
    with pytest.raises(ValueError, match="not a MATLAB file"):
        data._read_cascade_ground_truth(tmp_path / "text.mat")


def test_load_ground_truth_names_the_known_recordings():
    with pytest.raises(ValueError, match="ds02_1, ds02_2, ds02_3, ds06_1"):
        data.load_ground_truth("ds02")
    with pytest.raises(TypeError, match="ds31_1"):
        data.load_ground_truth(2)
