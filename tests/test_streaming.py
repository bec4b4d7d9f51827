"""A multi-GiB upload must stream: memory growth stays far below the file size."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import hashlib, json, resource, tracemalloc
    import requests
    from vcl_fake import FakeVCenter, ManualClock

    SIZE, CHUNK = 1 << 30, 1 << 20
    chunk = bytes(range(256)) * (CHUNK // 256)
    digest = hashlib.sha256()
    for _ in range(SIZE // CHUNK):
        digest.update(chunk)

    with FakeVCenter(clock=ManualClock()) as vc:
        item = vc.create_item(vc.create_library("l"), "big", type="iso")
        http = requests.Session()
        http.headers["vmware-api-session-id"] = http.post(
            f"{vc.url}/api/session", auth=("administrator@vsphere.local", "VMware1!")).json()
        base = f"{vc.url}/api/content/library/item/update-session"
        sid = http.post(base, json={"library_item_id": item}).json()
        info = http.post(f"{base}/{sid}/file", json={
            "name": "big.iso", "source_type": "PUSH", "size": SIZE,
            "checksum_info": {"algorithm": "SHA256", "checksum": digest.hexdigest()}}).json()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        tracemalloc.start()
        status = http.put(info["upload_endpoint"]["uri"],
                          data=(chunk for _ in range(SIZE // CHUNK))).status_code
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        f = http.get(f"{base}/{sid}/file/big.iso").json()
        done = http.post(f"{base}/{sid}", params={"action": "complete"}).status_code
        print(json.dumps({"status": status, "file": f["status"], "size": f["size"],
                          "complete": done, "rss_growth": after - before, "traced_peak": peak,
                          "item_size": vc.get_item(item)["size"]}))
    """
)


def test_one_gib_generator_upload_streams():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["status"], out["file"], out["size"], out["complete"]) == (
        200,
        "READY",
        1 << 30,
        204,
    )
    assert out["item_size"] == 1 << 30
    assert out["traced_peak"] < 32 * 1024 * 1024, out
    assert out["rss_growth"] < 64 * 1024 * 1024, out
