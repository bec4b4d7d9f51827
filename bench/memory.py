"""Memory of a streamed upload: a 1 GiB generator body through the fake, content kept.

Run: ``python bench/memory.py [MiB]`` (default 1024). Prints the growth of peak RSS and the
peak of traced Python allocations during the upload, as a ratio to the file size, and the
answers, as JSON on the last line. ``tests/test_streaming.py`` runs it and asserts on them.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import tracemalloc

import requests

from vcl_fake import FakeVCenter, ManualClock

CHUNK = 1 << 20


def measure(mib: int) -> dict[str, int]:
    size = mib * CHUNK
    chunk = bytes(range(256)) * (CHUNK // 256)
    digest = hashlib.sha256()
    for _ in range(mib):
        digest.update(chunk)
    with FakeVCenter(clock=ManualClock()) as vc:
        item = vc.create_item(vc.create_library("l"), "big", type="iso")
        http = requests.Session()
        http.headers["vmware-api-session-id"] = http.post(
            f"{vc.url}/api/session", auth=("administrator@vsphere.local", "VMware1!")
        ).json()
        base = f"{vc.url}/api/content/library/item/update-session"
        sid = http.post(base, json={"library_item_id": item}).json()
        spec = {
            "name": "big.iso",
            "source_type": "PUSH",
            "size": size,
            "checksum_info": {"algorithm": "SHA256", "checksum": digest.hexdigest()},
        }
        info = http.post(f"{base}/{sid}/file", json=spec).json()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        tracemalloc.start()
        status = http.put(
            info["upload_endpoint"]["uri"], data=(chunk for _ in range(mib))
        ).status_code
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        got = http.get(f"{base}/{sid}/file/big.iso").json()
        done = http.post(f"{base}/{sid}", params={"action": "complete"}).status_code
        return {
            "size": size,
            "status": status,
            "file": got["status"],
            "file_size": got["size"],
            "complete": done,
            "item_size": vc.get_item(item)["size"],
            "rss_growth": after - before,
            "traced_peak": peak,
        }


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    out = measure(mib)
    print(f"streamed upload of {mib} MiB, content kept")
    for key, label in (("rss_growth", "peak RSS growth"), ("traced_peak", "traced peak")):
        value = out[key]
        print(
            f"  {label:17} {value / 2**20:7.1f} MiB   ratio to the file {value / out['size']:.4f}"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
