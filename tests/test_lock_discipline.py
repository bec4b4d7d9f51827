"""Lock discipline: hashing and spooling a pull, or hashing a large file for the manifest,
never holds the backend lock, so other clients go on meanwhile."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import requests
from conftest import SESSIONS, Api

from vcl_fake.backend import transfers
from vcl_fake.backend.files import INLINE_PULL
from vcl_fake.backend.sources import Source

URI = "https://depot.example.org/big.iso"
SIZE = 4 * INLINE_PULL


@dataclass(frozen=True)
class GatedSource(Source):
    """A source whose bytes flow only once ``gate`` opens (a slow disk, a slow network)."""

    gate: threading.Event | None = None
    started: threading.Event | None = None

    def chunks(self, limit=None):
        for n, chunk in enumerate(super().chunks(limit)):
            if n == 1:
                self.started.set()
                assert self.gate.wait(10)
            yield chunk


def in_thread(work):
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(value=work()))
    thread.start()
    return thread, out


def test_a_pull_completing_does_not_hold_up_other_clients(api, vc, item):
    source = GatedSource(URI, SIZE, gate=threading.Event(), started=threading.Event())
    vc._backend.add_source(source)
    session_id = api.create_session(item)
    spec = {"name": "big.iso", "source_type": "PULL", "source_endpoint": {"uri": URI}}
    puller, pulled = in_thread(lambda: api.post(f"{SESSIONS}/{session_id}/file", json=spec))
    assert source.started.wait(10)  # the pull is being hashed now
    other, answered = in_thread(lambda: Api(vc).get("/api/content/library"))
    other.join(5)
    assert not other.is_alive(), "another client waited for the pull's hashing"
    assert answered["value"].status_code == 200
    assert puller.is_alive()  # still hashing
    source.gate.set()
    puller.join(10)
    info = pulled["value"].json()
    assert (info["status"], info["size"]) == ("READY", SIZE)
    assert api.action(session_id, "complete").status_code == 204
    data = vc.read_item_file(item, "big.iso")
    assert hashlib.sha256(data).digest() == hashlib.sha256(b"".join(source.chunks())).digest()


def test_a_session_canceled_while_its_pull_is_hashed_stays_canceled(api, vc, item):
    source = GatedSource(URI, SIZE, gate=threading.Event(), started=threading.Event())
    vc._backend.add_source(source)
    session_id = api.create_session(item)
    spec = {"name": "big.iso", "source_type": "PULL", "source_endpoint": {"uri": URI}}
    puller, pulled = in_thread(lambda: api.post(f"{SESSIONS}/{session_id}/file", json=spec))
    assert source.started.wait(10)
    assert Api(vc).action(session_id, "cancel").status_code == 204
    source.gate.set()
    puller.join(10)
    assert pulled["value"].status_code == 200
    assert pulled["value"].json()["status"] == "TRANSFERRING"  # never delivered
    assert api.session(session_id)["state"] == "CANCELED"
    assert vc.get_item(item)["files"] == []


def test_hashing_a_large_file_for_a_late_manifest_does_not_hold_the_lock(
    api, vc, item, monkeypatch
):
    disk = b"\x01" * (transfers.SPOOL_IN_MEMORY + 4096)  # spooled to disk
    session_id = api.create_session(item)
    info = api.post(
        f"{SESSIONS}/{session_id}/file", json={"name": "disk.vmdk", "source_type": "PUSH"}
    )
    assert requests.put(info.json()["upload_endpoint"]["uri"], data=disk).status_code == 200
    manifest = f"SHA512(disk.vmdk)= {hashlib.sha512(disk).hexdigest()}\n".encode()  # not SHA1
    info = api.post(f"{SESSIONS}/{session_id}/file", json={"name": "p.mf", "source_type": "PUSH"})
    assert requests.put(info.json()["upload_endpoint"]["uri"], data=manifest).status_code == 200

    gate, reading = threading.Event(), threading.Event()
    real_pread = transfers.os.pread

    def slow_pread(fd, size, offset):
        reading.set()
        assert gate.wait(10)
        return real_pread(fd, size, offset)

    monkeypatch.setattr(transfers.os, "pread", slow_pread)
    validate = f"{SESSIONS}/{session_id}/file"
    checker, checked = in_thread(lambda: api.post(validate, params={"action": "validate"}))
    assert reading.wait(10)
    other, answered = in_thread(lambda: Api(vc).get("/api/content/library"))
    other.join(5)
    assert not other.is_alive(), "another client waited for the hashing"
    assert answered["value"].status_code == 200
    gate.set()
    checker.join(10)
    assert checked["value"].json() == {
        "has_errors": False,
        "missing_files": [],
        "invalid_files": [],
    }
    assert api.action(session_id, "complete").status_code == 204
    assert vc.read_item_file(item, "disk.vmdk") == disk


def test_hash_data_reads_a_spool_on_disk_without_moving_it():
    import tempfile

    with tempfile.SpooledTemporaryFile(max_size=16) as spool:
        spool.write(b"0123456789" * 10)
        spool.seek(7)
        io = threading.Condition(threading.RLock())
        expected = hashlib.sha256(b"0123456789" * 10).hexdigest()
        assert transfers.hash_data(spool, "SHA256", io) == expected
        assert spool.tell() == 7
