"""PUSH upload throughput through the fake, as a ratio to hashing the same bytes with hashlib.

Run: ``python bench/upload.py [MiB] [rounds]`` (default 256 MiB, 3 rounds). Each round
measures, side by side on the same chunks: SHA-256 with hashlib alone; writing them to a
temporary file alone (what keeping content costs the disk); both at once, hashing while a
thread writes (the floor of keeping content, without the fake); an upload through requests
-> responses -> the fake keeping only digests (``keep_content=False``) and keeping the
content; the same two uploads to a served fake over HTTP on loopback (the client is a thread
of this process); and the served floor: the same client sending the same chunked body to a
minimal server thread of this process, without the fake, that reads the body, hashes it and
spools it as cheaply as Python allows: in 32 KiB writes with the hashing in a thread of its
own ("floor") or the writing in a thread of its own ("floor, writer thread"), or read
straight into the aligned buffers of the fake's O_DIRECT writer, hashed from there by its
hasher thread and written past the page cache ("floor, direct"). Best
and median of the rounds, and the median CPU seconds of the whole process (client
included), are reported. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

import requests

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.backend.transfers import WRITE_SIZE, _DirectWriter, _Hasher

CHUNK = 1 << 20
#: The served floor's arrangements (see _floor_serve), by row.
FLOORS = {
    "floor": "hash thread",
    "floor, writer thread": "writer thread",
    "floor, direct": "direct",
}
USER = ("administrator@vsphere.local", "VMware1!")


def hashing(chunk: bytes, count: int) -> str:
    digest = hashlib.sha256()
    for _ in range(count):
        digest.update(chunk)
    return digest.hexdigest()


def writing(chunk: bytes, count: int) -> None:
    with tempfile.TemporaryFile() as spool:
        for _ in range(count):
            spool.write(chunk)


def overlapped(chunk: bytes, count: int) -> None:
    """Hashing here while a thread writes through a queue of 4: the design's floor, without
    the fake (it reaches max(hash, write) only when a second core is free)."""
    ready: queue.Queue[bytes | None] = queue.Queue(4)
    with tempfile.TemporaryFile() as spool:

        def write() -> None:
            while (piece := ready.get()) is not None:
                spool.write(piece)

        writer = threading.Thread(target=write)
        writer.start()
        digest = hashlib.sha256()
        for _ in range(count):
            ready.put(chunk)
            digest.update(chunk)
        ready.put(None)
        writer.join()


@contextlib.contextmanager
def fake(keep_content: bool, served: bool) -> Iterator[tuple[FakeVCenter, str]]:
    with FakeVCenter("bench.example.com", clock=ManualClock(), keep_content=keep_content) as vc:
        if not served:
            yield vc, vc.url
            return
        with vc.serve(tls=False) as url:
            yield vc, url


def upload(chunk: bytes, count: int, digest: str, keep_content: bool, served: bool) -> float:
    with fake(keep_content, served) as (vc, url):
        item = vc.create_item(vc.create_library("l"), "i", type="iso")
        http = requests.Session()
        http.trust_env = False
        http.headers["vmware-api-session-id"] = http.post(f"{url}/api/session", auth=USER).json()
        base = f"{url}/api/content/library/item/update-session"
        sid = http.post(base, json={"library_item_id": item}).json()
        spec = {
            "name": "x.iso",
            "source_type": "PUSH",
            "size": CHUNK * count,
            "checksum_info": {"algorithm": "SHA256", "checksum": digest},
        }
        uri = http.post(f"{base}/{sid}/file", json=spec).json()["upload_endpoint"]["uri"]
        start = time.perf_counter()
        response = http.put(uri, data=(chunk for _ in range(count)))
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        assert http.get(f"{base}/{sid}/file/x.iso").json()["status"] == "READY"
        return elapsed


def _threaded(
    work: Callable[[bytes], object],
) -> tuple[queue.Queue[bytes | None], threading.Thread]:
    """A thread doing ``work`` on each chunk put in the queue (of 4) until None."""
    ready: queue.Queue[bytes | None] = queue.Queue(4)

    def run() -> None:
        while (piece := ready.get()) is not None:
            work(piece)

    thread = threading.Thread(target=run)
    thread.start()
    return ready, thread


def _at_most(rfile: io.BufferedReader, count: int) -> Callable[[memoryview], int]:
    """Reads of at most ``count`` bytes of ``rfile`` into a buffer."""
    return lambda view: rfile.readinto(view[:count])


def _floor_serve(listener: socket.socket, digest: str, arrangement: str) -> None:
    """One PUT with a chunked body: read here, hashed and spooled (one of the two in a thread
    of its own), answered 200 if the digest matches. "direct": read straight into the
    aligned buffers of the fake's O_DIRECT writer (a thread writes them) and hashed from
    there by the fake's hasher thread."""
    connection, _ = listener.accept()
    with connection, connection.makefile("rb") as rfile, tempfile.TemporaryFile() as spool:
        while rfile.readline() not in (b"\r\n", b""):  # the request line and headers
            pass
        fd, hasher = spool.fileno(), hashlib.sha256()
        if arrangement == "direct":
            direct = _DirectWriter.open(spool)
            assert direct is not None, "no O_DIRECT here"
            hashing = _Hasher([hasher])
            while left := int(rfile.readline().split(b";")[0], 16):
                while left:
                    left -= direct.read_into(_at_most(rfile, left), hashing)
                rfile.readline()
            hashing.close()
            direct.close()
        else:

            def write(piece: bytes) -> None:
                view = memoryview(piece)
                for start in range(0, len(view), WRITE_SIZE):
                    os.write(fd, view[start : start + WRITE_SIZE])

            hash_thread = arrangement == "hash thread"
            ready, thread = _threaded(hasher.update if hash_thread else write)
            here = write if hash_thread else hasher.update
            while size := int(rfile.readline().split(b";")[0], 16):
                piece = rfile.read(size)
                ready.put(piece)
                here(piece)
                rfile.readline()
            ready.put(None)
            thread.join()
        rfile.readline()  # the end of the (empty) trailer
        status = b"200 OK" if hasher.hexdigest() == digest else b"400 Bad Request"
        connection.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")


def floor(chunk: bytes, count: int, digest: str, arrangement: str) -> float:
    """The PUT alone, from the same client, to the minimal server."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        server = threading.Thread(target=_floor_serve, args=(listener, digest, arrangement))
        server.start()
        with requests.Session() as http:
            http.trust_env = False
            url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.iso"
            start = time.perf_counter()
            response = http.put(url, data=(chunk for _ in range(count)))
            elapsed = time.perf_counter() - start
        server.join()
    assert response.status_code == 200
    return elapsed


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    chunk = bytes(range(256)) * (CHUNK // 256)
    names = ["hashlib", "write", "both, 2 threads", "digests", "content"]
    names += ["served digests", "served content", *FLOORS]
    times: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}  # of the whole process
    digest = hashing(chunk, mib)
    load = os.getloadavg()[0]
    for _ in range(rounds):
        for name in names:
            cpu = time.process_time()
            start = time.perf_counter()
            if name == "hashlib":
                hashing(chunk, mib)
                elapsed = time.perf_counter() - start
            elif name == "write":
                writing(chunk, mib)
                elapsed = time.perf_counter() - start
            elif name.startswith("both"):
                overlapped(chunk, mib)
                elapsed = time.perf_counter() - start
            elif name.startswith("floor"):
                elapsed = floor(chunk, mib, digest, FLOORS[name])
            else:  # the PUT alone
                served, keep = name.startswith("served"), name.endswith("content")
                elapsed = upload(chunk, mib, digest, keep, served)
            times[name].append(elapsed)
            cpus[name].append(time.process_time() - cpu)
    best = {name: min(runs) for name, runs in times.items()}
    median = {name: statistics.median(runs) for name, runs in times.items()}
    print(
        f"upload of {mib} MiB in 1 MiB chunks, SHA-256, {rounds} interleaved rounds "
        f"(load {load:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    print(f"  {'':20} {'best':>7}   {'MiB/s':>6}  ratio   median  ratio  CPU (median)")
    for name in names:
        seconds, middle = best[name], median[name]
        print(
            f"  {name:20} {seconds:6.3f} s {mib / seconds:7.0f}  {seconds / best['hashlib']:5.2f}x"
            f"  {middle:6.3f} s {middle / median['hashlib']:5.2f}x"
            f"  {statistics.median(cpus[name]):6.3f} s"
        )


if __name__ == "__main__":
    main()
