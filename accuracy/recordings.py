"""Real recorded signals that ship inside an installed PyPI package, so nothing downloads at run time.

`seismogram`: ObsPy's example waveform (what ``obspy.read()`` returns without arguments), three
components (EHZ, EHN, EHE) of station RJOB of the Bavarian seismic network (network code BW),
2009-08-24 00:20:03 UTC, 100 samples/s, 3000 samples each: slow background wander, then a local
earthquake (a burst about 10× the background) and its coda. ObsPy is LGPL-3.0; the file is
``obspy/core/data/example.npz`` inside the ObsPy wheel.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamnorm.golden import ParameterError, QFormat, require

__all__ = ["RECORDINGS", "Recording", "load_recording"]

#: Fraction of the input format's full scale that the recording's largest sample is sized to:
#: as the synthetic streams, quantization and not clipping dominates, with headroom to spare.
PEAK_FRACTION = 0.5


@dataclass(frozen=True)
class Recording:
    name: str
    description: str
    package: str
    resource: str  #: path inside the installed package
    components: tuple[str, ...]
    sample_rate_hz: float
    licence: str


RECORDINGS: dict[str, Recording] = {
    "seismogram": Recording(
        name="seismogram",
        description="ObsPy example seismogram: station BW.RJOB, 2009-08-24 00:20:03 UTC, "
        "100 samples/s, a local earthquake (components EHZ, EHN, EHE)",
        package="obspy",
        resource="core/data/example.npz",
        components=("EHZ", "EHN", "EHE"),
        sample_rate_hz=100.0,
        licence="LGPL-3.0 (ObsPy)",
    ),
}


def _resource_path(rec: Recording) -> Path:
    # find_spec locates the installed package without importing it (importing ObsPy takes a
    # second and pulls in its plugins; the data file is all we need).
    require(rec.package)
    spec = importlib.util.find_spec(rec.package)
    if spec is None or not spec.submodule_search_locations:
        raise ParameterError(
            "name", f"the {rec.name} recording: the installed {rec.package} holds no data files"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / rec.resource
    if not path.is_file():
        raise ParameterError(
            "name", f"the {rec.name} recording is missing from the installed {rec.package}: {path}"
        )
    return path


def load_recording(name: str, channels: int, fmt: QFormat) -> np.ndarray:
    """The recording `name` as a (T, channels) float stream in the units of `fmt` (not quantized).

    Channel c carries component ``c mod K`` (K components). The recording is scaled by one factor
    for all components so that its largest magnitude is `PEAK_FRACTION` of `fmt`'s full scale.
    """
    if name not in RECORDINGS:
        raise ParameterError(
            "name", f"unknown recording {json.dumps(name)}; choose one of {', '.join(RECORDINGS)}"
        )
    if channels < 1:
        raise ParameterError("channels", f"must be at least 1, not {channels}")
    rec = RECORDINGS[name]
    with np.load(_resource_path(rec), allow_pickle=False) as data:
        comps = np.stack([np.asarray(data[c], dtype=np.float64) for c in rec.components], axis=1)
    peak = float(np.max(np.abs(comps)))
    scaled = comps * (PEAK_FRACTION * fmt.max_value / peak)
    return scaled[:, np.arange(channels) % len(rec.components)]
