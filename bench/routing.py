"""The cost of routing every operation of the bindings, not only the served ones.

Run: ``python bench/routing.py``. The /api router (a trie of path segments) is built twice:
from the operations vcl_fake serves, and from those plus every other operation of the
official bindings (answered as not modelled). Typical request paths are routed through each,
in alternating batches; the best of 7 counts. Also timed: building the full table once.
"""

from __future__ import annotations

import time

from vcl_fake.contract.operations import operations, routable
from vcl_fake.protocols.api import ApiProtocol, build_trie
from vcl_fake.protocols.http import Headers, Request

ID = "0b0e7f0e-7d5a-4d2e-9b1a-3f3b2b7a9c11"
PATHS = [
    ("GET", f"/api/content/library/item/update-session/{ID}:{ID}"),
    ("POST", f"/api/content/library/item/update-session/{ID}:{ID}?action=complete"),
    ("POST", f"/api/content/library/item/update-session/{ID}:{ID}/file"),
    ("GET", f"/api/content/library/item/{ID}"),
    ("POST", "/api/content/library?action=find"),
    ("GET", "/api/content/library"),
]


def per_route(codec: ApiProtocol, requests: list[Request], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        for request in requests:
            codec.route(request)
    return (time.perf_counter() - start) / (count * len(requests))


def main(count: int = 2000) -> None:
    start = time.perf_counter()
    full_trie = build_trie(routable())
    build = time.perf_counter() - start
    served, full = ApiProtocol(None), ApiProtocol(None)  # type: ignore[arg-type]
    served.routes, full.routes = build_trie(operations()), full_trie
    requests = [Request(m, "https://vc" + p, Headers({}), b"") for m, p in PATHS]
    assert [served.route(r)[0] for r in requests] == [full.route(r)[0] for r in requests]
    best_served = best_full = float("inf")
    for _ in range(7):
        best_served = min(best_served, per_route(served, requests, count))
        best_full = min(best_full, per_route(full, requests, count))
    print(f"/api routing, best of 7 alternating batches of {count} x {len(requests)} paths")
    print(f"  served operations only ({len(list(operations()))})     {best_served * 1e6:6.2f} us")
    print(f"  every operation of the bindings ({len(list(routable()))}) {best_full * 1e6:6.2f} us")
    print(f"  ratio                                   {best_full / best_served:6.2f}x")
    print(f"building the full router once: {build * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
