"""Named, independent random streams derived from the generation seed.

Every part of the generator draws from its own stream, keyed by a stable name and a few
integers (a metering point's serial, a month ordinal, ...). Adding draws to one stream
therefore never changes another, and a metering point's series for a month does not depend
on which other points are generated alongside it.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *keys: int) -> np.random.Generator:
    """A reproducible generator for `(seed, name, *keys)`; `name` is hashed with CRC-32 (stable across runs)."""
    entropy = [int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8")), *(int(k) & 0xFFFFFFFF for k in keys)]
    return np.random.default_rng(np.random.SeedSequence(entropy))
