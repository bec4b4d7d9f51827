"""What writing a large file costs the kernel when the file is kept vs when it is dropped.

Run: ``python bench/pagecache.py [MiB] [files]`` (default 512 MiB, 5 files). Writes the same
1 MiB chunk with ``os.write`` into temporary files, once closing each file before the next
(its page-cache pages are freed and reused) and once keeping every file open (each file
needs pages the process has not used before), as a kept upload keeps its spool. Prints the
MiB/s and system CPU seconds of every file and the ratio of the medians: the floor under
every kept upload, the fake's and vcsim's alike (see docs/performance.md).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from typing import IO

CHUNK = bytes(range(256)) * 4096


def write(mib: int) -> tuple[IO[bytes], float, float]:
    """A temporary file of ``mib`` MiB: (the file, MiB/s, system CPU seconds)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    start, system = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
    for _ in range(mib):
        os.write(spool.fileno(), CHUNK)
    elapsed = time.perf_counter() - start
    return spool, mib / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_stime - system


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rates: dict[str, list[float]] = {}
    for mode in ("dropped", "kept", "dropped"):
        kept: list[IO[bytes]] = []
        runs = []
        for _ in range(files):
            spool, rate, system = write(mib)
            runs.append(f"{rate:6.0f} MiB/s {system:4.2f} s sys")
            rates.setdefault(mode, []).append(rate)
            if mode == "kept":
                kept.append(spool)
            else:
                spool.close()
        for spool in kept:
            spool.close()
        print(f"  {mode:8} " + "; ".join(runs))
    dropped, kept_rate = statistics.median(rates["dropped"]), statistics.median(rates["kept"])
    print(f"{mib} MiB files, medians: dropped {dropped:.0f} MiB/s, kept {kept_rate:.0f} MiB/s,")
    print(f"  ratio kept/dropped {kept_rate / dropped:.2f}x")


if __name__ == "__main__":
    main()
