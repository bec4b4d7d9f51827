"""Spooling a kept file: hashed by a thread of its own, written past the page cache
(O_DIRECT) where the OS and file system allow it, else in ordinary writes; every way it can
end leaves no thread, no descriptor and no O_DIRECT flag behind."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import threading

import pytest
from conftest import direct_io_here

from vcl_fake.backend import transfers
from vcl_fake.backend.transfers import SPOOL_IN_MEMORY, Sink, Spools

MIB = 1 << 20
#: Odd sizes: the head kept in memory ends mid-block, chunks straddle the aligned buffers.
SIZES = [300_000, 300_000, 300_000, 7, MIB + 3, 4096, 2 * MIB - 1, 1]


def pieces(sizes=SIZES):
    data = os.urandom(sum(sizes))
    chunks, at = [], 0
    for size in sizes:
        chunks.append(data[at : at + size])
        at += size
    return data, chunks


def spool_threads():
    return [t for t in threading.enumerate() if t.name in ("vcl-fake-spool", "vcl-fake-hash")]


def o_direct(spool) -> bool:
    import fcntl

    return bool(fcntl.fcntl(spool.fileno(), fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0))


def receive(chunks, spools, *, check=None, direct=True):
    sink = Sink("disk.iso", ["SHA1", "SHA256"], spools)
    sink.direct = direct
    for chunk in chunks:
        sink.write(chunk)
        if check is not None:
            check(sink)
    sink.close()
    return sink


def receive_watching_writers():
    """Receive the usual pieces into a new spool; the writer the sink has after each."""
    data, chunks = pieces()
    spools = Spools()
    writers = []
    sink = receive(chunks, spools, check=lambda s: writers.append(s.writer))
    return data, sink, writers, spools


def test_a_large_file_is_hashed_and_spooled_whole():
    data, chunks = pieces()
    spools = Spools()
    seen = []
    sink = receive(chunks, spools, check=lambda s: seen.append((s.hasher, s.writer)))
    assert sink.received == len(data)
    assert sink.digests() == {
        "SHA1": hashlib.sha1(data).hexdigest(),
        "SHA256": hashlib.sha256(data).hexdigest(),
    }
    spool = sink.data()
    assert spool.read() == data
    assert os.fstat(spool.fileno()).st_size == len(data)
    assert not o_direct(spool)  # ordinary reads from now on
    assert all(h is None for h, _ in seen[:3]) and all(h is not None for h, _ in seen[4:-1])
    writers = {type(w).__name__ for _, w in seen[4:-1]}
    assert writers == ({"_DirectWriter"} if direct_io_here() else {"NoneType"})
    assert not spool_threads()
    spools.close_all()


def test_chunks_alone_are_spooled_in_ordinary_writes():
    """Without straight reads to follow (an in-process upload), copying each chunk into the
    aligned buffers would cost more time than the page cache: ordinary writes."""
    data, chunks = pieces()
    spools = Spools()
    writers = []
    sink = receive(chunks, spools, check=lambda s: writers.append(s.writer), direct=False)
    assert writers == [None] * len(chunks)
    assert sink.data().read() == data
    assert sink.digests()["SHA1"] == hashlib.sha1(data).hexdigest()
    assert not spool_threads()
    spools.close_all()


def test_digests_only_hash_in_a_thread_past_the_first_mib():
    data, chunks = pieces()
    hashers = []
    sink = receive(chunks, None, check=lambda s: hashers.append(s.hasher))
    assert sink.digests()["SHA256"] == hashlib.sha256(data).hexdigest()
    assert sink.data() is None and sink.writer is None
    assert hashers[2] is None and hashers[4] is not None and not spool_threads()


def test_a_small_file_stays_in_memory_without_threads():
    data = os.urandom(SPOOL_IN_MEMORY)
    spools = Spools()
    sink = receive([data[:1000], data[1000:]], spools)
    assert sink.writer is None and sink.hasher is None
    assert not getattr(sink.spool, "_rolled", True)
    assert sink.data().read() == data
    spools.close_all()


def test_a_file_system_refusing_o_direct_gets_ordinary_writes(monkeypatch):
    import fcntl

    real = fcntl.fcntl

    def refusing(fd, command, arg=0):
        if command == fcntl.F_SETFL and arg & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, command, arg)

    monkeypatch.setattr(fcntl, "fcntl", refusing)
    data, sink, writers, spools = receive_watching_writers()
    assert writers == [None] * len(writers)
    assert sink.data().read() == data
    assert sink.digests()["SHA1"] == hashlib.sha1(data).hexdigest()
    spools.close_all()


@pytest.mark.skipif(not direct_io_here(), reason="no O_DIRECT on this OS or file system")
def test_a_direct_write_refused_goes_on_with_ordinary_writes(monkeypatch):
    """A file system may take the flag yet refuse the write itself (EINVAL): the writer
    clears the flag and writes the same bytes the ordinary way, from then on."""
    real = os.pwrite

    def refusing(fd, data, offset):
        if o_direct_fd(fd):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", refusing)
    data, sink, writers, spools = receive_watching_writers()
    assert any(w is not None and not w.direct for w in writers)
    assert sink.data().read() == data
    assert os.fstat(sink.spool.fileno()).st_size == len(data)
    spools.close_all()


def o_direct_fd(fd: int) -> bool:
    import fcntl

    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT)


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "ordinary"])
def test_a_failing_write_fails_the_transfer_and_leaves_nothing_behind(monkeypatch, direct):
    """A file size limit (EFBIG, as a full disk's ENOSPC) hit past the first MiB."""
    import resource

    if direct and not direct_io_here():
        pytest.skip("no O_DIRECT on this OS or file system")
    if not direct:
        monkeypatch.setattr(transfers._DirectWriter, "open", classmethod(lambda cls, s: None))
    _, chunks = pieces([MIB, MIB, MIB, MIB])
    spools = Spools()
    sink = Sink("disk.iso", ["SHA256"], spools)
    sink.direct = True
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 * MIB + 4096, limits[1]))
    try:
        with pytest.raises(OSError) as raised:
            for chunk in chunks:
                sink.write(chunk)
            sink.close()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    assert raised.value.errno == errno.EFBIG
    spool = sink.spool
    sink.discard()  # what a failed transfer does: no error, the spool closed
    assert spool.closed and len(spools) == 0 and not spool_threads()


def test_a_discarded_transfer_stops_its_threads_and_closes_its_spool():
    _, chunks = pieces()
    spools = Spools()
    sink = Sink("disk.iso", ["SHA256"], spools)
    sink.direct = True
    for chunk in chunks[:5]:
        sink.write(chunk)
    assert spool_threads()
    spool = sink.spool
    sink.discard()
    assert spool.closed and len(spools) == 0 and not spool_threads()


@pytest.mark.skipif(not direct_io_here(), reason="no O_DIRECT on this OS or file system")
def test_a_spool_closed_while_written_fails_cleanly_and_touches_no_other_file():
    """The backend closing (``close_all``) mid-upload: the writer keeps a descriptor of its
    own, so the spool's old number, reused by another file, is never written to."""
    _, chunks = pieces([MIB, MIB, MIB, MIB])
    spools = Spools()
    sink = Sink("disk.iso", ["SHA256"], spools)
    sink.direct = True
    for chunk in chunks[:2]:
        sink.write(chunk)
    assert sink.writer is not None
    number = sink.spool.fileno()
    spools.close_all()
    with tempfile.TemporaryFile() as other:
        reused = other.fileno() == number
        other.write(b"untouched")
        other.flush()
        for chunk in chunks[2:]:
            sink.write(chunk)
        sink.close()  # the unlinked spool took the bytes; nothing raised
        other.seek(0)
        assert other.read() == b"untouched"
    assert reused  # the case this guards against did arise
    assert not spool_threads()


def test_an_ova_s_large_parts_are_each_closed_as_the_next_begins(api, vc, item, monkeypatch):
    """Each part's threads and buffers go when the next part begins, not at the end."""
    from vcl_fake.packages import ova, ovf_package

    disks = {"a-disk1.vmdk": os.urandom(2 * MIB + 5), "a-disk2.vmdk": os.urandom(3 * MIB + 1)}
    package = ovf_package("a", disks)
    blob = ova(package)
    still_open, opened = [], []
    real = transfers.Transfer._open_part

    def opening(self, name, size):
        part = real(self, name, size)
        still_open.extend(p.name for p in self.parts[:-1] if p.writer or p.hasher)
        opened.append(name)
        return part

    monkeypatch.setattr(transfers.Transfer, "_open_part", opening)
    session_id = api.create_session(item)
    spec = {"name": "a.ova", "source_type": "PUSH", "size": len(blob)}
    info = api.post(f"/api/content/library/item/update-session/{session_id}/file", json=spec)
    chunks = (blob[n : n + MIB] for n in range(0, len(blob), MIB))
    assert api.http.put(info.json()["upload_endpoint"]["uri"], data=chunks).status_code == 200
    assert (still_open, opened) == ([], list(package))
    assert api.action(session_id, "complete").status_code == 204
    for name, content in disks.items():
        assert vc.read_item_file(item, name) == content
    assert not spool_threads()


@pytest.mark.skipif(not direct_io_here(), reason="no O_DIRECT on this OS or file system")
@pytest.mark.parametrize("step", [513, 4095, 300_000, 5 * MIB])
def test_bytes_read_straight_into_the_buffers_are_hashed_and_spooled_whole(step):
    """Reads of any size into the writer's aligned buffers (a buffer goes back to be filled
    only once written and hashed), after a head of chunks ending mid-block."""
    import io

    data, head = pieces([700_000, 700_001])
    rest = os.urandom(6 * MIB + 17)
    source = io.BytesIO(rest)
    spools = Spools()
    sink = Sink("disk.iso", ["SHA256"], spools)
    sink.direct = True
    assert sink.read_into(source.readinto) is None  # nothing spooled on disk yet
    for chunk in head:
        sink.write(chunk)
    counts = []
    while count := sink.read_into(lambda view: source.readinto(view[:step])):
        counts.append(count)
    sink.close()
    whole = data + rest
    assert sink.received == len(whole) and max(counts) <= step
    assert sink.digests()["SHA256"] == hashlib.sha256(whole).hexdigest()
    assert sink.data().read() == whole
    assert not spool_threads()
    spools.close_all()


def test_a_metadata_file_or_a_spool_in_memory_takes_no_straight_reads():
    import io

    spools = Spools()
    descriptor = Sink("a.ovf", ["SHA256"], spools)
    descriptor.write(os.urandom(2 * MIB))
    disk = Sink("disk.iso", ["SHA256"], spools)
    disk.write(os.urandom(1000))
    assert descriptor.read_into(io.BytesIO(b"x").readinto) is None
    assert disk.read_into(io.BytesIO(b"x").readinto) is None
    for sink in (descriptor, disk):
        sink.close()
    spools.close_all()


@pytest.mark.skipif(not direct_io_here(), reason="no O_DIRECT on this OS or file system")
@pytest.mark.parametrize("rate, direct", [(1 << 60, False), (1, True)], ids=["slow", "fast"])
def test_a_disk_slower_than_the_page_cache_gets_ordinary_writes_after_the_probe(
    monkeypatch, rate, direct
):
    """Past the page cache an upload goes at the disk's pace: a disk that takes the first
    writes slower than DIRECT_MIN_RATE gets the rest through the page cache."""
    monkeypatch.setattr(transfers, "DIRECT_MIN_RATE", rate)
    monkeypatch.setattr(transfers, "DIRECT_PROBE", 2 * MIB)
    data, chunks = pieces([SPOOL_IN_MEMORY] + [MIB] * 6 + [5])
    spools = Spools()
    flags = []
    sink = Sink("disk.iso", ["SHA1"], spools)
    sink.direct = True
    for chunk in chunks:
        sink.write(chunk)
        if sink.writer is not None:
            flags.append(o_direct_fd(sink.writer.fd))
    writer = sink.writer
    sink.close()
    assert writer is not None and writer.judged and writer.direct is direct
    assert flags[0] and flags[-1] is direct
    assert sink.data().read() == data
    assert os.fstat(sink.spool.fileno()).st_size == len(data)
    assert not o_direct(sink.spool)
    assert sink.digests()["SHA1"] == hashlib.sha1(data).hexdigest()
    assert not spool_threads()
    spools.close_all()
