"""Reference code for the course *Calcium Imaging Analysis in Python*.

One module per stage of the pipeline, each a set of pure functions on NumPy arrays:

========================  ===========================================================
``helpers.movie``         projections, crops, pixel traces, local correlation image
``helpers.registration``  motion correction: rigid, and piecewise-rigid over patches
``helpers.extraction``    source extraction (footprints and traces by non-negative
                          factorisation with a background) and component evaluation
``helpers.masks``         thresholds, morphology, ROI labels, neuropil rings, traces
``helpers.neuropil``      neuropil subtraction and estimating its ratio r
``helpers.baseline``      baseline fluorescence F0 (constant, rolling, EMA, maximin)
``helpers.dff``           dF/F0, noise level, wavelet denoising
``helpers.events``        calcium events, their features, scores against ground truth
``helpers.ensembles``     coactivity, shuffle null, ensemble events and clustering
``helpers.spikes``        kernels, AR models, OASIS deconvolution, spike times, scores
``helpers.chunked``       the same stages on recordings larger than memory, with dask
``helpers.groundtruth``   scores against real spikes: smoothed correlation, CASCADE error, bursts
========================  ===========================================================

``helpers.tiff_series`` writes and lazily reads a recording stored as a series of TIFF files.

Around them: ``helpers.data`` (the course's datasets, fetched and verified with pooch),
``helpers.simulate`` (recordings with known ground truth), ``helpers.checks`` (answer checks for
lesson check cells), ``helpers.lessons`` (each lesson's reference set-ups and checks),
``helpers.plots``. This package is what lessons import; what runs the course (the student release,
the book, the autograder) is the separate package ``tooling``, which no lesson imports.

Conventions everywhere: movies are ``(time, y, x)``; traces are ``(neurons, time)`` (a single
trace may be 1-D); frame rates ``fs`` are in Hz; a name ending in ``_s`` is in seconds and one
ending in ``_frames`` is in frames; fractions are fractions (0.1), never percent, unless the name
says ``_percent``.
"""

__version__ = "0.1.0"
