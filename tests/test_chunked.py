"""The chunked pipeline (helpers.chunked) gives the in-memory functions' results, whatever the
chunking, on dask's local schedulers and on a dask.distributed cluster; the TIFF series
(helpers.tiff_series) reads back exactly what was written, lazily, and its simulated recording is
the same whichever way its frames are made."""
import os

import dask
import dask.array as da
import numpy as np
import pytest

from helpers import baseline as bl, chunked, masks as mk, movie as mv, registration as reg, tiff_series

import needs

CHUNKINGS = [7, 64, 300]   # uneven last chunk, several chunks, one chunk (the movie has 300 frames)


@pytest.fixture(scope="module")
def recording():
    """A small simulated recording with motion: 300 frames of 40 x 48 px at 30 Hz, 6 cells."""
    return tiff_series.SimulatedRecording(n_frames=300, height=40, width=48, fs=30.0, n_cells=8, seed=3,
                                          rate_hz=1.0, max_shift_px=2, radius_px=(3.0, 5.0))


@pytest.fixture(scope="module")
def movie(recording):
    return recording.frames(0, recording.n_frames)


# --- dask arrays of movies ------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", CHUNKINGS)
@pytest.mark.parametrize("scheduler", ["threads", "synchronous"])
def test_projections_equal_the_in_memory_ones(movie, chunk, scheduler):
    lazy = chunked.projections(chunked.time_chunks(movie, chunk), kinds=("mean", "max", "min", "std"))
    images = chunked.compute(*lazy.values(), scheduler=scheduler, num_workers=2)
    for kind, image in zip(lazy, images):
        assert image.dtype == np.float64
        np.testing.assert_allclose(image, mv.projection(movie, kind), rtol=1e-12, atol=1e-9, err_msg=kind)


@pytest.mark.parametrize("chunk", CHUNKINGS)
@pytest.mark.parametrize("neighbours", [4, 8])
def test_local_correlation_equals_the_in_memory_one(movie, chunk, neighbours):
    got = chunked.local_correlation(chunked.time_chunks(movie, chunk), neighbours).compute()
    np.testing.assert_allclose(got, mv.local_correlation(movie, neighbours), atol=2e-6)


def test_local_correlation_counts_a_constant_pixel_as_zero(movie):
    m = movie.astype(np.float32)
    m[:, 0, 0] = 7.0      # a corner
    m[:, 10, 11] = 3.0    # inside
    got = chunked.local_correlation(chunked.time_chunks(m, 64)).compute()
    np.testing.assert_allclose(got, mv.local_correlation(m), atol=2e-6)
    assert got[0, 0] == 0 and got[10, 11] == 0


@pytest.mark.parametrize("chunk", CHUNKINGS)
def test_registration_chunk_by_chunk_equals_the_in_memory_one(movie, chunk):
    template = movie[:50].mean(axis=0)
    registered, shifts = chunked.register(chunked.time_chunks(movie, chunk), template)
    registered, shifts = dask.compute(registered, shifts)
    want_registered, want_shifts = reg.register(movie, template)
    np.testing.assert_array_equal(shifts, want_shifts)
    np.testing.assert_allclose(registered, want_registered, rtol=1e-6, atol=1e-4)


def test_shifts_given_as_numpy_are_applied_chunk_by_chunk(movie, recording):
    shifts = recording.truth.shifts.astype(float)
    got = chunked.apply_shifts(chunked.time_chunks(movie, 64), shifts, order=0).compute()
    np.testing.assert_array_equal(got, reg.apply_shifts(movie, shifts, order=0))


def test_a_template_is_required_and_must_fit(movie):
    with pytest.raises(TypeError, match="template"):
        chunked.estimate_shifts(chunked.time_chunks(movie, 64), None)
    with pytest.raises(ValueError, match="shape"):
        chunked.estimate_shifts(chunked.time_chunks(movie, 64), np.zeros((3, 3)))


@pytest.mark.parametrize("chunk", CHUNKINGS)
def test_roi_traces_equal_the_in_memory_ones(movie, recording, chunk):
    masks = recording.truth.masks
    got = chunked.roi_traces(chunked.time_chunks(movie, chunk), masks).compute()
    np.testing.assert_allclose(got, mk.roi_traces(movie, masks), rtol=1e-12)
    one = chunked.roi_traces(chunked.time_chunks(movie, chunk), masks[0]).compute()
    np.testing.assert_allclose(one, mk.roi_traces(movie, masks[0]), rtol=1e-12)


def test_roi_weights_average_each_mask(recording):
    masks = recording.truth.masks
    w = chunked.roi_weights(masks)
    assert w.shape == (len(masks), masks[0].size) and w.nnz == masks.sum()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_masks_are_validated(movie):
    with pytest.raises(ValueError, match="shape"):
        chunked.roi_traces(chunked.time_chunks(movie, 64), np.ones((2, 5, 5), bool))
    empty = np.zeros((2, *movie.shape[1:]), bool)
    empty[0, 3, 3] = True
    with pytest.raises(ValueError, match="empty"):
        chunked.roi_traces(chunked.time_chunks(movie, 64), empty)


def test_time_chunks_holds_whole_frames(movie):
    lazy = chunked.time_chunks(movie, 64)
    assert lazy.chunks == ((64, 64, 64, 64, 44), (40,), (48,))
    rechunked = chunked.time_chunks(da.from_array(movie, chunks=(10, 20, 20)), 100)
    assert rechunked.chunks[1:] == ((40,), (48,))
    with pytest.raises(ValueError, match="time, y, x"):
        chunked.time_chunks(movie[0], 10)
    with pytest.raises(TypeError):
        chunked.time_chunks(movie, 10.0)


# --- rolling baseline with map_overlap -----------------------------------------------------------

@pytest.mark.parametrize("chunk", [1, 30, 95, 1000])
@pytest.mark.parametrize("mode", ["nearest", "reflect"])
def test_rolling_baseline_equals_the_in_memory_one(recording, chunk, mode):
    traces = recording.truth.traces
    lazy = da.from_array(traces, chunks=(-1, chunk))
    got = chunked.rolling_baseline(lazy, 10, 3.0, recording.fs, mode=mode).compute()
    np.testing.assert_array_equal(got, bl.rolling_percentile(traces, 10, 3.0, recording.fs, mode=mode))
    one = chunked.rolling_baseline(lazy[2], 10, 3.0, recording.fs, mode=mode).compute()
    np.testing.assert_array_equal(one, bl.rolling_percentile(traces[2], 10, 3.0, recording.fs, mode=mode))


def test_too_little_overlap_changes_the_baseline_near_chunk_edges(recording):
    """What rolling_baseline's depth prevents: map_overlap with a depth below half the window."""
    traces, fs = recording.truth.traces, recording.fs
    short = da.from_array(traces, chunks=(-1, 100)).map_overlap(
        bl.rolling_percentile, depth={0: 0, 1: 5}, boundary="none", q=10, window_s=3.0, fs=fs, dtype=float).compute()
    assert not np.array_equal(short, bl.rolling_percentile(traces, 10, 3.0, fs))
    assert chunked.overlap_frames(90) == 45 and chunked.overlap_frames(91) == 45


def test_rolling_baseline_is_validated(recording):
    with pytest.raises(ValueError, match="longer than the trace"):
        chunked.rolling_baseline(recording.truth.traces, 10, 100.0, recording.fs)
    with pytest.raises(ValueError, match="mode"):
        chunked.rolling_baseline(recording.truth.traces, 10, 3.0, recording.fs, mode="edge")


# --- measuring --------------------------------------------------------------------------------------

def test_measure_reports_the_peak_of_what_a_call_allocates():
    def allocate():
        big = np.ones(2_000_000)   # 16 MB, then freed
        return float(big.sum())

    m = chunked.measure(allocate)
    assert m.result == 2_000_000.0 and m.seconds >= 0
    assert 16e6 <= m.peak_bytes < 17e6
    assert "peak memory 16" in str(m)


def test_chunks_keep_the_peak_far_below_the_movie(movie):
    """The point of the lesson, measured: the chunked projections need a fraction of the memory
    of the in-memory ones."""
    series = tiff_series.ArraySeries(np.tile(movie, (4, 1, 1)))   # 1200 frames, 4.6 MB of uint16
    chunked.compute(*chunked.projections(chunked.time_chunks(series, 100)).values(), scheduler="synchronous")
    lazy = chunked.projections(chunked.time_chunks(series, 20))
    small = chunked.measure(chunked.compute, *lazy.values(), scheduler="synchronous")
    whole = chunked.measure(lambda: [mv.projection(series[:], kind) for kind in ("mean", "max", "std")])
    assert small.peak_bytes < 0.5 * series.nbytes < whole.peak_bytes


# --- dask.distributed ---------------------------------------------------------------------------------

def test_the_same_code_runs_on_a_distributed_cluster(tmp_path, recording, movie):
    distributed = needs.module("distributed")
    series = tiff_series.TiffSeries(tiff_series.write_series(recording, tmp_path, frames_per_file=128))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster, \
            distributed.Client(cluster.scheduler_address):   # by its address, as to a remote cluster
        lazy = chunked.time_chunks(series, 50)
        images = dask.compute(*chunked.projections(lazy).values())
        traces = chunked.roi_traces(lazy, recording.truth.masks).compute()
    for kind, image in zip(("mean", "max", "std"), images):
        np.testing.assert_allclose(image, mv.projection(movie, kind), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(traces, mk.roi_traces(movie, recording.truth.masks), rtol=1e-12)


# --- the TIFF series ---------------------------------------------------------------------------------

def test_a_series_reads_back_what_was_written(tmp_path, recording, movie):
    paths = tiff_series.write_series(recording, tmp_path, frames_per_file=128)
    assert [p.name for p in paths] == ["recording_000.tif", "recording_001.tif", "recording_002.tif"]
    series = tiff_series.TiffSeries.from_folder(tmp_path)
    assert series.shape == movie.shape and series.dtype == np.uint16 and series.fs == pytest.approx(30.0)
    assert series.file_lengths == [128, 128, 44] and len(series) == 300
    np.testing.assert_array_equal(series[:], movie)
    np.testing.assert_array_equal(series[120:260], movie[120:260])       # across two boundaries
    np.testing.assert_array_equal(series[255], movie[255])
    np.testing.assert_array_equal(series[-1], movie[-1])
    np.testing.assert_array_equal(series[5:9, 3:7, ::2], movie[5:9, 3:7, ::2])
    np.testing.assert_array_equal(series[..., 4], movie[..., 4])
    assert series[10:10].shape == (0, 40, 48)
    with pytest.raises(IndexError):
        series[::2]
    with pytest.raises(IndexError):
        series[300]
    np.testing.assert_array_equal(da.from_array(series, chunks=(50, -1, -1)).compute(), movie)


def test_a_read_is_a_new_array_and_no_file_stays_open(tmp_path, recording):
    series = tiff_series.TiffSeries(tiff_series.write_series(recording, tmp_path, frames_per_file=100))
    frames = series[90:110]
    assert frames.flags.owndata and frames.flags.writeable
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    series[0:300]
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) == fds


def test_a_series_refuses_files_that_do_not_match(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "a.tif", np.zeros((3, 8, 8), np.uint16), photometric="minisblack")
    tifffile.imwrite(tmp_path / "b.tif", np.zeros((3, 8, 9), np.uint16), photometric="minisblack")
    with pytest.raises(ValueError, match="frames of one size"):
        tiff_series.TiffSeries([tmp_path / "a.tif", tmp_path / "b.tif"])
    tifffile.imwrite(tmp_path / "c.tif", np.zeros((3, 8, 8), np.uint16), compression="zlib", photometric="minisblack")
    with pytest.raises(ValueError, match="compressed"):
        tiff_series.TiffSeries([tmp_path / "c.tif"])
    with pytest.raises(FileNotFoundError):
        tiff_series.TiffSeries.from_folder(tmp_path / "nowhere")


def test_file_ranges_cover_exactly_the_frames_asked_for():
    for lengths in ([1], [3, 1, 4], [5, 5], [2, 7, 1, 1, 6]):
        owner = np.repeat(np.arange(len(lengths)), lengths)
        local = np.concatenate([np.arange(n) for n in lengths])
        for start in range(sum(lengths)):
            for stop in range(start + 1, sum(lengths) + 1):
                ranges = tiff_series.file_ranges(lengths, start, stop)
                got = [(i, k) for i, a, b in ranges for k in range(a, b)]
                assert got == list(zip(owner[start:stop].tolist(), local[start:stop].tolist()))
                assert all(a < b for _, a, b in ranges)
    with pytest.raises(ValueError):
        tiff_series.file_ranges([3, 3], 4, 4)
    with pytest.raises(ValueError):
        tiff_series.file_ranges([3, 3], 0, 7)


def test_array_series_reads_like_a_file_series(movie):
    series = tiff_series.ArraySeries(movie)
    frames = series[10:20]
    assert frames.flags.owndata and not np.shares_memory(frames, movie)
    np.testing.assert_array_equal(frames, movie[10:20])


# --- the simulated recording -------------------------------------------------------------------------

def test_any_frame_range_holds_the_same_pixels(recording, movie):
    assert movie.dtype == np.uint16 and movie.shape == recording.shape
    for start, stop in [(0, 1), (99, 101), (150, 300), (37, 238)]:
        np.testing.assert_array_equal(recording.frames(start, stop), movie[start:stop])
    again = tiff_series.SimulatedRecording(n_frames=300, height=40, width=48, fs=30.0, n_cells=8, seed=3,
                                           rate_hz=1.0, max_shift_px=2, radius_px=(3.0, 5.0))
    np.testing.assert_array_equal(again.frames(200, 300), movie[200:])
    other_seed = tiff_series.SimulatedRecording(n_frames=300, height=40, width=48, fs=30.0, n_cells=8, seed=4,
                                                rate_hz=1.0, max_shift_px=2, radius_px=(3.0, 5.0))
    assert not np.array_equal(other_seed.frames(0, 10), movie[:10])


def test_the_truth_describes_the_movie(recording, movie):
    """Undo the true motion: each mask's mean trace is the true noiseless trace plus noise of the
    stated size; the shifts stay within their bound."""
    truth = recording.truth
    assert np.abs(truth.shifts).max() <= 2 and truth.shifts.dtype.kind == "i"
    still = reg.apply_shifts(movie, truth.shifts.astype(float), order=0)
    residual = mk.roi_traces(still, truth.masks) - truth.traces
    assert np.abs(residual.mean(axis=1)).max() < 3 * truth.noise_sd.max() / np.sqrt(residual.shape[1]) + 0.6
    np.testing.assert_allclose(residual.std(axis=1), truth.noise_sd, rtol=0.2)
    assert (truth.baseline <= truth.traces * (1 + 1e-6)).all()   # the quiet level is below every moment
    assert truth.masks.shape[1:] == movie.shape[1:] and len(truth.visible_masks) >= len(truth.masks)


def test_parameters_are_validated():
    with pytest.raises(TypeError):
        tiff_series.SimulatedRecording(n_frames=10.5)
    with pytest.raises(ValueError):
        tiff_series.SimulatedRecording(max_shift_px=-1)
    rec = tiff_series.SimulatedRecording(n_frames=50, height=32, width=32, n_cells=3, max_shift_px=0)
    assert not rec.truth.shifts.any()
    with pytest.raises(ValueError, match="frames"):
        rec.frames(10, 60)


def test_nan_in_a_chunk_is_refused_when_computed(movie):
    bad = movie.astype(np.float32)
    bad[123, 4, 5] = np.nan
    lazy = chunked.time_chunks(bad, 50)
    for result in (chunked.projections(lazy)["mean"], chunked.local_correlation(lazy),
                   chunked.roi_traces(lazy, np.ones(bad.shape[1:], bool))):
        with pytest.raises(ValueError, match="NaN"):
            result.compute()
    with pytest.raises(TypeError, match="real numbers"):
        chunked.projections(da.from_array(movie.astype(complex), chunks=(50, -1, -1)))
