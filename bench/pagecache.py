"""What writing kept files costs the kernel, by the size of each write.

Run: ``python bench/pagecache.py [MiB] [rounds]`` (default 512 MiB, 4 rounds). Writes files of
``MiB`` with ``os.write``, in turn in 1 MiB writes (the chunk size of an upload), in 32 KiB
writes (a spool's ordinary writes, :data:`vcl_fake.backend.transfers.WRITE_SIZE`) and past
the page cache by the spool's O_DIRECT writer (1 MiB aligned writes by a thread), keeping
every file open as a kept upload keeps its spool, and prints each file's MiB/s and system CPU
seconds and the medians' ratios. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from typing import IO

from vcl_fake.backend.transfers import WRITE_SIZE, _DirectWriter

CHUNK = bytes(range(256)) * 4096


def write(mib: int, size: int) -> tuple[IO[bytes], float, float]:
    """A temporary file of ``mib`` MiB written ``size`` bytes at a time (0: by the O_DIRECT
    writer, where the file system allows it): (the file, MiB/s, system CPU seconds)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    view = memoryview(CHUNK)
    start, system = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
    direct = _DirectWriter.open(spool) if size == 0 else None
    for _ in range(mib):
        if direct is not None:
            direct.write(CHUNK)
            continue
        for offset in range(0, len(view), size or len(view)):
            os.write(spool.fileno(), view[offset : offset + (size or len(view))])
    if direct is not None:
        direct.close()
    elapsed = time.perf_counter() - start
    return spool, mib / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_stime - system


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    sizes = {"1 MiB": len(CHUNK), f"{WRITE_SIZE // 1024} KiB": WRITE_SIZE, "direct": 0}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in sizes}
    kept: list[IO[bytes]] = []
    try:
        for _ in range(rounds):
            for name, size in sizes.items():
                spool, rate, system = write(mib, size)
                kept.append(spool)
                results[name].append((rate, system))
    finally:
        for spool in kept:
            spool.close()
    print(f"{rounds} rounds of {mib} MiB files, kept open, written in turn")
    medians = {}
    for name, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        system = statistics.median(s for _, s in runs)
        medians[name] = system
        each = "; ".join(f"{r:.0f} MiB/s {s:.2f} s" for r, s in runs)
        print(f"  {name:7} writes: median {rate:6.0f} MiB/s, {system:.2f} s sys   ({each})")
    large, small, direct = medians.values()
    print(f"  system CPU of 1 MiB writes / small writes: {large / max(small, 1e-9):.1f}x")
    print(f"  system CPU of direct writes / small writes: {direct / max(small, 1e-9):.2f}x")


if __name__ == "__main__":
    main()
