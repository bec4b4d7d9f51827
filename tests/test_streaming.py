"""A multi-GiB upload and its download must stream: memory growth stays far below the file
size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "memory.py"


def test_one_gib_generator_upload_and_download_stream():
    result = subprocess.run(
        [sys.executable, str(BENCH), "1024"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert (out["status"], out["file"], out["file_size"], out["complete"]) == (
        200,
        "READY",
        1 << 30,
        204,
    )
    assert out["item_size"] == 1 << 30
    assert out["traced_peak"] < 32 * 1024 * 1024, out
    assert out["rss_growth"] < 32 * 1024 * 1024, out
    assert (out["download_status"], out["download_size"], out["download_matches"]) == (
        200,
        1 << 30,
        True,
    )
    assert out["download_traced_peak"] < 32 * 1024 * 1024, out
    assert out["download_rss_growth"] < 32 * 1024 * 1024, out
