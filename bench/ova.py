"""An OVA uploaded as one ``bytes`` body vs as a stream of 1 MiB chunks.

Run: ``python bench/ova.py [MiB]`` (default 32). The fake unpacks an OVA as it streams; a
body that arrives as one huge chunk must cost what the same bytes in chunks cost (linear
time, no copies of the rest at every read). Best of 3 rounds; the ratio is one body over
chunks. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import sys
import time

import requests

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.packages import ova, ovf_package

CHUNK = 1 << 20
USER = ("administrator@vsphere.local", "VMware1!")


def upload(package: bytes, chunked: bool) -> float:
    with FakeVCenter("bench.example.com", clock=ManualClock(), keep_content=False) as vc:
        item = vc.create_item(vc.create_library("l"), "i")
        http = requests.Session()
        http.headers["vmware-api-session-id"] = http.post(f"{vc.url}/api/session", auth=USER).json()
        base = f"{vc.url}/api/content/library/item/update-session"
        sid = http.post(base, json={"library_item_id": item}).json()
        spec = {"name": "p.ova", "source_type": "PUSH", "size": len(package)}
        uri = http.post(f"{base}/{sid}/file", json=spec).json()["upload_endpoint"]["uri"]
        if chunked:
            body: object = (package[i : i + CHUNK] for i in range(0, len(package), CHUNK))
        else:
            body = package
        start = time.perf_counter()
        response = http.put(uri, data=body)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        assert http.get(f"{base}/{sid}/file/p.ova").json()["status"] == "READY"
        return elapsed


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    disk = bytes(range(256)) * (mib * CHUNK // 256)
    parts = ovf_package("p", {"disk.vmdk": disk})
    package = ova({"p.ovf": parts["p.ovf"], "p.mf": parts["p.mf"], "disk.vmdk": disk})
    best = {"chunks": float("inf"), "one body": float("inf")}
    for _ in range(3):
        best["chunks"] = min(best["chunks"], upload(package, chunked=True))
        best["one body"] = min(best["one body"], upload(package, chunked=False))
    for name, seconds in best.items():
        print(f"{name:9} {seconds:7.3f} s  {mib / seconds:7.0f} MiB/s")
    print(f"ratio one body / chunks: {best['one body'] / best['chunks']:.2f}x")


if __name__ == "__main__":
    main()
