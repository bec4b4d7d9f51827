"""Memory of a streamed upload and download: a 1 GiB generator body through the fake,
content kept, then read back through a download session.

Run: ``python bench/memory.py [MiB]`` (default 1024). Prints the growth of peak RSS and the
peak of traced Python allocations during the upload and during the download, as a ratio to
the file size, and the answers, as JSON on the last line. ``tests/test_streaming.py`` runs
it and asserts on them.
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


def measure(mib: int) -> dict[str, int | bool]:
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
        before = _reset_peak_rss()
        tracemalloc.start()
        status = http.put(
            info["upload_endpoint"]["uri"], data=(chunk for _ in range(mib))
        ).status_code
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        after = _peak_rss()
        got = http.get(f"{base}/{sid}/file/big.iso").json()
        done = http.post(f"{base}/{sid}", params={"action": "complete"}).status_code
        downloads = f"{vc.url}/api/content/library/item/download-session"
        did = http.post(downloads, json={"library_item_id": item}).json()
        files = f"{downloads}/{did}/file"
        http.post(files, params={"action": "prepare"}, json={"file_name": "big.iso"})
        uri = http.get(files, params={"file_name": "big.iso"}).json()["download_endpoint"]["uri"]
        base_rss = _reset_peak_rss()
        tracemalloc.start()
        read_back, received = hashlib.sha256(), 0
        with http.get(uri, stream=True) as response:
            for piece in response.iter_content(CHUNK):
                read_back.update(piece)
                received += len(piece)
        download_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        download_rss = _peak_rss() - base_rss
        return {
            "size": size,
            "status": status,
            "file": got["status"],
            "file_size": got["size"],
            "complete": done,
            "item_size": vc.get_item(item)["size"],
            "rss_growth": after - before,
            "traced_peak": peak,
            "download_status": response.status_code,
            "download_size": received,
            "download_matches": read_back.hexdigest() == digest.hexdigest(),
            "download_rss_growth": download_rss,
            "download_traced_peak": download_peak,
        }


def _reset_peak_rss() -> int:
    """Reset the kernel's peak-RSS mark (Linux) and return the current RSS, so the growth of
    the next phase is measured alone; elsewhere the process peak so far."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _status("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_rss() -> int:
    try:
        return _status("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {key} in /proc/self/status")


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    out = measure(mib)
    print(f"streamed upload of {mib} MiB, content kept, then downloaded")
    for key, label in (
        ("rss_growth", "upload: peak RSS growth"),
        ("traced_peak", "upload: traced peak"),
        ("download_rss_growth", "download: peak RSS growth"),
        ("download_traced_peak", "download: traced peak"),
    ):
        value = out[key]
        print(
            f"  {label:27} {value / 2**20:7.1f} MiB   ratio to the file {value / out['size']:.4f}"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
