"""Served mode against vcsim (govmomi's Go simulator), side by side on the same workload.

Run: ``python bench/vcsim.py [SECONDS] [ROUNDS]`` (defaults 2 and 3; about 40 s). Both
servers run as processes of their own on loopback, plain HTTP, default settings (content
kept: vcsim writes uploads to its datastore directory, the fake to memory or a temporary
file). The workload is the same ``/rest`` lifecycle against each: create an item, create an
update session, add a file, PUT 64 KiB to its upload URL, complete, get the session (six
requests). Clients are processes (``requests``), 1 and 8 at a time, each with its own login.
Rounds interleave the servers; the medians are reported, with the fake's ratios to vcsim:
lifecycles per second, the server process's CPU time (user + system) per lifecycle, and one
512 MiB upload (the fake verifies a SHA-1 checksum, vcsim verifies nothing).

vcsim is found at ``$VCL_FAKE_VCSIM``, ``/tmp/gobin/vcsim`` or on the PATH; ``tools/build-govc.sh``
builds it (govmomi 0.24.2). govc, found the same way, creates vcsim's library.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

DATA = bytes(range(256)) * 256  # 64 KiB
CHUNK = 1 << 20
BIG = 512  # MiB
ITEM = "/rest/com/vmware/content/library/item"
SESSION = "/rest/com/vmware/content/library/item/update-session"
FILES = "/rest/com/vmware/content/library/item/updatesession/file"
HERE = Path(__file__).resolve().parent


def binary(name: str) -> str:
    env = os.environ.get(f"VCL_FAKE_{name.upper()}")
    for candidate in (env, f"/tmp/gobin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit(f"{name} not found: set VCL_FAKE_{name.upper()} or run tools/build-govc.sh")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process, its base URL, credentials and the library lifecycles use."""

    def __init__(self, name: str, argv: list[str], url: str, user: tuple[str, str]) -> None:
        self.name, self.url, self.user = name, url, user
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/rest/com/vmware/cis/session", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.log.seek(0)
                    sys.exit(f"{name} did not start: {self.log.read().decode()[-2000:]}")
                time.sleep(0.1)
        self.library = ""

    def cpu(self) -> float:
        """User + system CPU seconds the server process has used."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def start_fake() -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "vcl_fake.cli", "serve", "--no-tls", "--port", str(port)]
    server = Server(
        "vcl_fake", argv, f"http://127.0.0.1:{port}", ("administrator@vsphere.local", "VMware1!")
    )
    http = login(server)
    server.library = http.get(server.url + "/rest/com/vmware/content/library").json()["value"][0]
    return server


def start_vcsim(folder: str) -> Server:
    port = free_port()
    argv = [binary("vcsim"), "-l", f"127.0.0.1:{port}", "-tls=false"]
    server = Server("vcsim", argv, f"http://127.0.0.1:{port}", ("user", "pass"))
    env = {**os.environ, "GOVC_URL": f"http://user:pass@127.0.0.1:{port}/sdk", "GOVC_INSECURE": "1"}
    out = subprocess.run(
        [binary("govc"), "library.create", "-ds", "LocalDS_0", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=folder,
    )
    server.library = out.stdout.strip()
    return server


def login(server: Server | tuple[str, tuple[str, str], str]) -> requests.Session:
    url, user = (server.url, server.user) if isinstance(server, Server) else server[:2]
    http = requests.Session()
    http.trust_env = False
    token = http.post(url + "/rest/com/vmware/cis/session", auth=user).json()
    http.headers["vmware-api-session-id"] = token["value"]
    return http


def lifecycle(http: requests.Session, url: str, library: str, name: str) -> None:
    spec = {"create_spec": {"library_id": library, "name": name, "type": "iso"}}
    item = http.post(url + ITEM, json=spec).json()["value"]
    sid = http.post(url + SESSION, json={"create_spec": {"library_item_id": item}}).json()["value"]
    file_spec = {"file_spec": {"name": "f.bin", "source_type": "PUSH", "size": len(DATA)}}
    info = http.post(f"{url}{FILES}/id:{sid}?~action=add", json=file_spec).json()["value"]
    http.put(info["upload_endpoint"]["uri"], data=DATA).raise_for_status()
    http.post(f"{url}{SESSION}/id:{sid}?~action=complete").raise_for_status()
    state = http.get(f"{url}{SESSION}/id:{sid}").json()["value"]["state"]
    assert state == "DONE", state


def client(args: tuple[tuple[str, tuple[str, str], str], str, float]) -> int:
    target, prefix, until = args
    http = login(target)
    done = 0
    while time.time() < until:
        lifecycle(http, target[0], target[2], f"{prefix}-{done}")
        done += 1
    return done


def rate(
    pool: multiprocessing.pool.Pool, server: Server, clients: int, seconds: float, tag: str
) -> tuple[float, float]:
    """Lifecycles per second, and server CPU seconds per lifecycle."""
    until = time.time() + 0.5 + seconds
    cpu = server.cpu()
    start = time.perf_counter()
    target = (server.url, server.user, server.library)
    counts = pool.map(client, [(target, f"{tag}-{n}", until) for n in range(clients)], chunksize=1)
    elapsed = time.perf_counter() - start
    total = sum(counts)
    return total / (elapsed - 0.5), (server.cpu() - cpu) / total


def chunks() -> Iterator[bytes]:
    chunk = bytes(range(256)) * (CHUNK // 256)
    return (chunk for _ in range(BIG))


def big_upload(server: Server, name: str, sha1: str) -> float:
    """MiB/s of one 512 MiB PUT (the fake checks its declared SHA-1)."""
    http = login(server)
    spec = {"create_spec": {"library_id": server.library, "name": name, "type": "iso"}}
    item = http.post(server.url + ITEM, json=spec).json()["value"]
    sid = http.post(server.url + SESSION, json={"create_spec": {"library_item_id": item}}).json()[
        "value"
    ]
    file_spec = {
        "name": "big.iso",
        "source_type": "PUSH",
        "size": BIG * CHUNK,
        "checksum_info": {"algorithm": "SHA1", "checksum": sha1},
    }
    info = http.post(
        f"{server.url}{FILES}/id:{sid}?~action=add", json={"file_spec": file_spec}
    ).json()["value"]
    start = time.perf_counter()
    http.put(info["upload_endpoint"]["uri"], data=chunks()).raise_for_status()
    elapsed = time.perf_counter() - start
    http.post(f"{server.url}{SESSION}/id:{sid}?~action=complete").raise_for_status()
    return BIG / elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    import hashlib

    sha1 = hashlib.sha1()
    for chunk in chunks():
        sha1.update(chunk)
    with tempfile.TemporaryDirectory(prefix="vcsim-bench-") as folder:
        servers = [start_fake(), start_vcsim(folder)]
        results: dict[tuple[str, str], list[float]] = {}
        tags = itertools.count()
        try:
            with multiprocessing.get_context("fork").Pool(8) as pool:
                for _ in range(rounds):
                    for clients in (1, 8):
                        for server in servers:
                            per_s, cpu = rate(pool, server, clients, seconds, f"r{next(tags)}")
                            results.setdefault((server.name, f"{clients} lifecycles/s"), []).append(
                                per_s
                            )
                            results.setdefault((server.name, f"{clients} cpu ms"), []).append(
                                cpu * 1e3
                            )
                    for server in servers:
                        speed = big_upload(server, f"big{next(tags)}", sha1.hexdigest())
                        results.setdefault((server.name, "upload MiB/s"), []).append(speed)
        finally:
            for server in servers:
                server.stop()
    load = os.getloadavg()[0]
    print(
        f"vcl_fake vs vcsim, plain HTTP, medians of {rounds} interleaved rounds "
        f"of {seconds:.0f} s (load {load:.1f})"
    )
    rows = [
        ("lifecycles/s, 1 client", "1 lifecycles/s", True),
        ("server CPU ms per lifecycle, 1 client", "1 cpu ms", False),
        ("lifecycles/s, 8 clients", "8 lifecycles/s", True),
        ("server CPU ms per lifecycle, 8 clients", "8 cpu ms", False),
        (f"one {BIG} MiB upload, MiB/s", "upload MiB/s", True),
    ]
    out = {}
    for label, key, higher in rows:
        fake = statistics.median(results["vcl_fake", key])
        sim = statistics.median(results["vcsim", key])
        out[key] = fake / sim
        better = "higher is better" if higher else "lower is better"
        print(
            f"  {label:40} vcl_fake {fake:8.2f}   vcsim {sim:8.2f}"
            f"   ratio {fake / sim:5.2f}x ({better})"
        )
    for server in ("vcl_fake", "vcsim"):  # the page cache's cost grows as uploads are kept
        each = ", ".join(f"{speed:.0f}" for speed in results[server, "upload MiB/s"])
        print(f"  {BIG} MiB uploads, MiB/s, round by round: {server} {each}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
