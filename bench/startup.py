"""Start-up costs: importing vcl_fake, and the pytest fixture's cost per test.

Run: ``python bench/startup.py``. Import times are the best of 7 fresh interpreters, side by
side with ``import requests, responses`` (what intercepting requests needs anyway). The
fixture cost is what ``fake_vcenter`` does per test (build a fake, activate it, stop it),
best of 5 batches, against a bare ``responses.RequestsMock`` start and stop.
"""

from __future__ import annotations

import subprocess
import sys
import time

import responses

from vcl_fake import FakeVCenter, ManualClock

SNIPPET = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def import_time(stmt: str, prelude: str = "") -> float:
    code = (prelude + "; " if prelude else "") + SNIPPET.format(stmt=stmt)
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(7)
    ]
    return min(runs)


def per_call(func, count: int = 500) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(count):
            func()
        best = min(best, (time.perf_counter() - start) / count)
    return best


def fixture() -> None:
    with FakeVCenter(clock=ManualClock()):
        pass


def bare() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        pass


def main() -> None:
    base = import_time("import requests, responses")
    rows = [
        ("import requests, responses", base),
        ("import vcl_fake", import_time("import vcl_fake")),
        (
            "import vcl_fake.pytest_plugin (pytest loaded)",
            import_time("import vcl_fake.pytest_plugin", "import pytest"),
        ),
        ("from vcl_fake import FakeVCenter", import_time("from vcl_fake import FakeVCenter")),
        (
            "  the same, requests and responses loaded",
            import_time("from vcl_fake import FakeVCenter", "import requests, responses"),
        ),
    ]
    print("import times (best of 7 interpreters)")
    for name, seconds in rows:
        ratio = seconds / base
        print(f"  {name:48} {seconds * 1e3:7.1f} ms   ratio to requests+responses {ratio:5.2f}x")
    fake, mock = per_call(fixture), per_call(bare)
    print("per-test fixture cost (best of 5 x 500)")
    print(f"  fake_vcenter: build, activate, stop          {fake * 1e3:7.3f} ms")
    ratio = fake / mock
    print(
        f"  a bare RequestsMock start and stop           {mock * 1e3:7.3f} ms   ratio {ratio:5.2f}x"
    )


if __name__ == "__main__":
    main()
