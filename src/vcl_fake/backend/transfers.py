"""Bytes arriving for a session file, by upload or pull: hashed, spooled, checked.

A :class:`Transfer` consumes a byte stream without the backend lock and never raises for bad
content (a malformed package is recorded in ``failure``). OVAs are unpacked as they stream,
each part into a :class:`Sink` of its own.

Content that is kept stays in memory up to :data:`SPOOL_IN_MEMORY` bytes; a larger file goes
to an unnamed temporary file, :data:`WRITE_SIZE` bytes per write (the kernel copies larger
writes into the page cache of a kept file several times slower). Past
:data:`SPOOL_IN_MEMORY` bytes a file is hashed by a :class:`_Hasher` thread fed through a
small bounded queue, so that hashing and what the caller's thread does with each chunk
(reading it off a socket, writing it to the spool) overlap: an upload costs about the larger
of the two, not their sum, and holds at most :data:`HASH_QUEUE` chunks in memory. A served
upload's body is read straight into the aligned buffers of a :class:`_DirectWriter`, which
writes the spool past the page cache (``O_DIRECT``) where the OS and file system allow it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import mmap
import os
import queue
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Any, TypeVar

from vcl_fake import messages as M
from vcl_fake.backend import ovf, signing
from vcl_fake.backend.records import SessionFile, UpdateSession
from vcl_fake.contract.enums import DEFAULT_ALGORITHM
from vcl_fake.errors import vapi_error

SPOOL_IN_MEMORY = 1024 * 1024  # larger content goes to a temporary file on disk
HASH_QUEUE = 4  # chunks waiting for the hasher thread at most
WRITE_SIZE = 32 * 1024  # bytes per ordinary write to a spool on disk (see bench/pagecache.py)
DIRECT_SIZE = 1 << 20  # bytes per write to a spool past the page cache (O_DIRECT)
DIRECT_ALIGN = 4096  # what O_DIRECT wants buffers, offsets and lengths to be multiples of
DIRECT_BUFFERS = 4  # aligned buffers of DIRECT_SIZE per spool being written
DIRECT_PROBE = 8 * DIRECT_SIZE  # direct writes timed before the pace of the disk is judged
DIRECT_MIN_RATE = 1 << 30  # bytes/s: a slower disk gets ordinary writes (the page cache)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
T = TypeVar("T")


def without_lock(io: threading.Condition, work: Callable[[], T]) -> T:
    """Run ``work`` (hashing, spooling, reading a file) in a worker thread while the caller
    waits with ``io``'s lock let go (all of its levels), so other clients go on meanwhile.
    The caller must check afterwards what may have changed."""
    done = threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # handed to the waiting caller
            outcome.append((False, exc))
        finally:
            done.set()
            with io:
                io.notify_all()

    threading.Thread(target=run, name="vcl-fake-io", daemon=True).start()
    with io:
        io.wait_for(done.is_set)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def hash_data(data: IO[bytes], algorithm: str, io: threading.Condition | None = None) -> str:
    """The digest of spooled ``data``. Spools in memory (at most SPOOL_IN_MEMORY bytes) are
    hashed in place; spools on disk are read with ``pread`` (the file position, which others
    use under the lock, never moves) by a worker without the lock."""
    on_disk = getattr(data, "_rolled", False)
    if io is None or not on_disk:
        hasher = hashlib.new(algorithm.lower())
        data.seek(0)
        while chunk := data.read(1 << 20):
            hasher.update(chunk)
        data.seek(0)
        return hasher.hexdigest()
    fd = data.fileno()

    def work() -> str:
        hasher, offset = hashlib.new(algorithm.lower()), 0
        while chunk := os.pread(fd, 1 << 20, offset):
            hasher.update(chunk)
            offset += len(chunk)
        return hasher.hexdigest()

    return without_lock(io, work)


def check_file_name(name: str) -> None:
    """A plain file name: no path, no traversal, no control characters."""
    problem = None
    if not name:
        problem = "it is empty"
    elif "/" in name or "\\" in name:
        problem = "it contains a path separator"
    elif name in (".", ".."):
        problem = "it names a directory"
    elif _CONTROL.search(name):
        problem = "it contains a control character"
    elif len(name.encode()) > 255:
        problem = "it is longer than 255 bytes"
    if problem:
        raise vapi_error("INVALID_ARGUMENT", M.FILE_NAME_INVALID, name, problem)


class _Hasher:
    """Updates ``hashers`` with the chunks given, in a thread of its own fed through a bounded
    queue (hashlib lets go of the GIL while it hashes)."""

    def __init__(self, hashers: Iterable[Any]) -> None:
        self.hashers = tuple(hashers)
        self.queue: queue.Queue[tuple[Any, Callable[[], None] | None] | None]
        self.queue = queue.Queue(HASH_QUEUE)
        self.thread = threading.Thread(target=self._run, name="vcl-fake-hash", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            chunk, done = item
            for hasher in self.hashers:
                hasher.update(chunk)
            del item, chunk  # a view of a writer's buffer: let it go before saying so
            if done is not None:
                done()

    def put(self, chunk: bytes | memoryview, done: Callable[[], None] | None = None) -> None:
        """Hash ``chunk`` (then call ``done``: the chunk may be reused)."""
        self.queue.put((chunk, done))

    def close(self) -> None:
        """Wait until everything queued is hashed."""
        self.queue.put(None)
        self.thread.join()


class _DirectWriter:
    """Appends to a spool on disk past the page cache (``O_DIRECT``), where the OS and the file
    system allow it: the kernel's copy into the page cache was the largest cost of keeping an
    upload (see docs/performance.md). Chunks are copied into page-aligned buffers that a
    thread of its own writes, :data:`DIRECT_SIZE` bytes at a time, while the caller goes on;
    the last block goes out padded and the file is then cut to its size. A file system that
    takes the flag but refuses a direct write gets ordinary writes from then on. Use
    :meth:`open`."""

    def __init__(self, fd: int, size: int, flags: int, tail: bytes) -> None:
        self.fd, self.flags, self.size = fd, flags, size
        self.offset = size - len(tail)  # where the buffer being filled goes
        self.fill = len(tail)
        self.buffers = [mmap.mmap(-1, DIRECT_SIZE) for _ in range(DIRECT_BUFFERS)]
        self.buffer = self.buffers[0]
        self.buffer[: self.fill] = tail  # the last partial block, written again
        self.free: queue.Queue[mmap.mmap] = queue.Queue()
        for buffer in self.buffers[1:]:
            self.free.put(buffer)
        # What still uses each buffer (being filled, then its write; views being hashed):
        # free again at none.
        self.holds = {id(buffer): 0 for buffer in self.buffers}
        self.holds[id(self.buffer)] = 1
        self.holds_lock = threading.Lock()
        self.full: queue.Queue[tuple[mmap.mmap, int, int] | None] = queue.Queue()
        self.direct = True
        self.probed, self.probe_seconds = 0, 0.0  # direct writes timed so far
        self.judged = False  # whether the disk's pace has been judged (once per spool)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="vcl-fake-spool", daemon=True)
        self.thread.start()

    @classmethod
    def open(cls, spool: IO[bytes]) -> _DirectWriter | None:
        """A writer appending to ``spool`` (on disk), or None where O_DIRECT cannot be set."""
        try:
            import fcntl

            direct = os.O_DIRECT
        except (ImportError, AttributeError):  # not Linux
            return None
        spool.flush()
        # A descriptor of its own: if the spool is closed meanwhile (the backend closing), its
        # number may name another file; this one still names the spool (flags are shared).
        fd = os.dup(spool.fileno())
        try:
            size = os.fstat(fd).st_size
            tail = os.pread(fd, size % DIRECT_ALIGN, size - size % DIRECT_ALIGN)
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags | direct)
        except OSError:  # a file system without direct I/O
            os.close(fd)
            return None
        try:
            return cls(fd, size, flags, tail)
        except BaseException:
            fcntl.fcntl(fd, fcntl.F_SETFL, flags)
            os.close(fd)
            raise

    def write(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        with memoryview(chunk) as view:
            done = 0
            while done < len(view):
                count = min(len(view) - done, DIRECT_SIZE - self.fill)
                self.buffer[self.fill : self.fill + count] = view[done : done + count]
                self.fill += count
                done += count
                if self.fill == DIRECT_SIZE:
                    self._send()
        self.size += len(chunk)

    def read_into(self, read: Callable[[memoryview], int], hasher: _Hasher) -> int:
        """The next bytes ``read`` puts straight into the buffer being filled (no chunk
        object, no copy), handed to ``hasher`` as a view: how many; 0 at the end."""
        if self.error is not None:
            raise self.error
        buffer, start = self.buffer, self.fill
        count = read(memoryview(buffer)[start:])
        if count:
            self._hold(buffer)
            hasher.put(memoryview(buffer)[start : start + count], lambda: self._release(buffer))
            self.fill += count
            self.size += count
            if self.fill == DIRECT_SIZE:
                self._send()
        return count

    def _hold(self, buffer: mmap.mmap) -> None:
        with self.holds_lock:
            self.holds[id(buffer)] += 1

    def _release(self, buffer: mmap.mmap) -> None:
        with self.holds_lock:
            self.holds[id(buffer)] -= 1
            free = self.holds[id(buffer)] == 0
        if free:
            self.free.put(buffer)

    def _send(self) -> None:
        """Hand the buffer being filled to the thread (padded to a whole block)."""
        length = -(-self.fill // DIRECT_ALIGN) * DIRECT_ALIGN
        self.buffer[self.fill : length] = bytes(length - self.fill)
        self.full.put((self.buffer, length, self.offset))  # its hold passes to the write
        self.offset += length
        self.buffer, self.fill = self.free.get(), 0
        self._hold(self.buffer)

    def _run(self) -> None:
        while (item := self.full.get()) is not None:
            buffer, length, offset = item
            if self.error is None:
                try:
                    with memoryview(buffer)[:length] as data:
                        self._write(data, offset)
                except BaseException as exc:  # a full disk: reported to the caller
                    self.error = exc.with_traceback(None)  # its frames hold the buffer
            self._release(buffer)

    def _write(self, data: memoryview, offset: int) -> None:
        if self.direct:
            started = time.perf_counter()
            try:
                _pwrite_all(self.fd, data, offset)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                self._ordinary()  # the flag was taken, direct writes are not
            else:
                self._timed(len(data), time.perf_counter() - started)
                return
        for start in range(0, len(data), WRITE_SIZE):
            _pwrite_all(self.fd, data[start : start + WRITE_SIZE], offset + start)

    def _timed(self, count: int, seconds: float) -> None:
        """Past the page cache an upload goes at the disk's pace: once the first
        :data:`DIRECT_PROBE` bytes show a disk slower than :data:`DIRECT_MIN_RATE` (a network
        volume, a spinning disk), the rest goes through the page cache, which takes writes at
        memory speed."""
        if self.judged:
            return
        self.probed += count
        self.probe_seconds += seconds
        if self.probed >= DIRECT_PROBE:
            self.judged = True
            if self.probed < DIRECT_MIN_RATE * self.probe_seconds:
                self._ordinary()

    def _ordinary(self) -> None:
        """Ordinary writes from now on (the writer thread's own decision)."""
        import fcntl

        self.direct = False
        fcntl.fcntl(self.fd, fcntl.F_SETFL, self.flags)

    def close(self) -> None:
        """Write what is left, wait for the thread, give the file its size and ordinary I/O
        back; raise what writing raised."""
        import fcntl

        try:
            if self.fill and self.error is None:
                self._send()
        finally:
            self.full.put(None)
            self.thread.join()
            try:
                if self.error is None:
                    os.ftruncate(self.fd, self.size)
            finally:
                fcntl.fcntl(self.fd, fcntl.F_SETFL, self.flags)
                os.close(self.fd)
                for buffer in self.buffers:
                    # A view may outlive this in the traceback of a read that failed: the
                    # buffer is then unmapped when that goes.
                    with contextlib.suppress(BufferError):
                        buffer.close()
        if self.error is not None:
            raise self.error


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    done = 0
    while done < len(data):
        done += os.pwrite(fd, data[done:], offset + done)


class Spools:
    """Every spooled file of one backend. A spool is closed when the content it holds dies
    (a failed or superseded transfer, a session file replaced or removed, a session ended
    without committing it, an item's content replaced that no download session reads), and
    whatever is left when the backend goes (``close_all``): none is left for the garbage
    collector to find unclosed."""

    def __init__(self) -> None:
        self._open: set[IO[bytes]] = set()
        self._lock = threading.Lock()

    def new(self) -> IO[bytes]:
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)  # noqa: SIM115
        with self._lock:
            self._open.add(spool)
        return spool

    def close(self, spool: IO[bytes] | None) -> None:
        if spool is None:
            return
        with self._lock:
            self._open.discard(spool)
        spool.close()

    def close_all(self) -> None:
        with self._lock:
            spools, self._open = self._open, set()
        for spool in spools:
            spool.close()

    def __len__(self) -> int:
        return len(self._open)


class Sink:
    """Bytes of one file arriving: hashed (in every algorithm asked) and spooled (into one of
    ``spools``; None: not kept), never joined. Metadata files (descriptor, manifest,
    certificate) are also kept in memory, bounded. :meth:`close` ends the spooling (every
    transfer's ``feed`` does, however it ends); :meth:`discard` drops the spooled bytes."""

    def __init__(self, name: str, algorithms: Iterable[str], spools: Spools | None) -> None:
        self.name = name
        self.hashers = {a: hashlib.new(a.lower()) for a in algorithms}
        self.spools = spools
        # The spool outlives this call: it becomes the item file's data.
        self.spool: IO[bytes] | None = spools.new() if spools is not None else None
        self.metadata: bytearray | None = bytearray() if ovf.is_metadata(name) else None
        self.received = 0
        self.hasher: _Hasher | None = None
        self.writer: _DirectWriter | None = None
        #: Write the spool, once on disk, past the page cache: where the bytes will come
        #: through :meth:`read_into` (copying chunks into its aligned buffers, under the GIL,
        #: would cost an in-process upload more time than the page cache does).
        self.direct = False

    def write(self, chunk: bytes) -> None:
        size = self.received + len(chunk)
        if self.hasher is not None:
            self.hasher.put(chunk)  # hashed while this thread spools it and reads the next
        elif size > SPOOL_IN_MEMORY:
            self.hasher = _Hasher(self.hashers.values())
            self.hasher.put(chunk)
        else:
            for hasher in self.hashers.values():
                hasher.update(chunk)
        if self.spool is not None:
            if size <= SPOOL_IN_MEMORY:
                self.spool.write(chunk)
            else:
                if self.received <= SPOOL_IN_MEMORY:
                    self.spool.rollover()  # type: ignore[attr-defined]
                    self.writer = _DirectWriter.open(self.spool) if self.direct else None
                if self.writer is not None:
                    self.writer.write(chunk)
                else:
                    view = memoryview(chunk)
                    for start in range(0, len(view), WRITE_SIZE):
                        self.spool.write(view[start : start + WRITE_SIZE])
        if self.metadata is not None:
            if len(self.metadata) + len(chunk) > ovf.METADATA_LIMIT:
                raise ovf.OvfError(f"{self.name} is larger than {ovf.METADATA_LIMIT} bytes")
            self.metadata += chunk
        self.received = size

    def read_into(self, read: Callable[[memoryview], int]) -> int | None:
        """Where this sink can take the next bytes straight from ``read`` into its spool's
        write buffer (a large spool written past the page cache, not a metadata file): how
        many it took, 0 at the end; None where it cannot (the caller goes on with chunks)."""
        if self.writer is None or self.hasher is None or self.metadata is not None:
            return None
        count = self.writer.read_into(read, self.hasher)
        self.received += count
        return count

    def close(self) -> None:
        """Wait for the hasher and the writer threads, if they run; raise what writing
        raised."""
        hasher, self.hasher = self.hasher, None
        writer, self.writer = self.writer, None
        try:
            if hasher is not None:
                hasher.close()  # first: it may be hashing views of the writer's buffers
        finally:
            if writer is not None:
                writer.close()
                assert self.spool is not None
                if not self.spool.closed:  # the backend may have closed it meanwhile
                    self.spool.seek(0, os.SEEK_END)  # where the file object thinks it is

    def digests(self) -> dict[str, str]:
        self.close()  # a no-op once the transfer's feed has ended (it closes every sink)
        return {a: h.hexdigest() for a, h in self.hashers.items()}

    def data(self) -> IO[bytes] | None:
        if self.spool is not None:
            self.spool.seek(0)
        return self.spool

    def discard(self) -> None:
        """Drop what arrived: the spool is closed, once the threads (if they run) stop."""
        with contextlib.suppress(OSError):  # a write that failed: the bytes go anyway
            self.close()
        if self.spools is not None:
            self.spools.close(self.spool)


def _check_metadata(sink: Sink) -> None:
    """A descriptor must parse, a manifest and a certificate file must read; raise OvfError
    otherwise (whatever the parser's own failure was: this is their boundary)."""
    if sink.metadata is None:
        return
    content = bytes(sink.metadata)
    try:
        if ovf.is_descriptor(sink.name):
            ovf.referenced_files(content)
        elif ovf.is_manifest(sink.name):
            ovf.parse_manifest(content)
        elif ovf.is_certificate(sink.name):
            signing.parse_cert_file(content)
    except ovf.OvfError:
        raise
    except (ValueError, TypeError, LookupError, RecursionError) as exc:
        raise ovf.OvfError(f"{sink.name} cannot be read ({type(exc).__name__}: {exc})") from None


class Transfer:
    """One file's transfer. ``feed`` consumes the byte stream (without the backend lock) and
    never raises for bad content: a malformed package is recorded in ``failure``."""

    def __init__(
        self,
        session: UpdateSession,
        file: SessionFile,
        spools: Spools | None,
        manifest: dict[str, tuple[str, str]],
    ) -> None:
        self.session = session
        self.file = file
        self.spools = spools  # None: content is not kept
        self.manifest = dict(manifest)
        #: Scenario-scripted behaviour: corrupt, fail_after (+ message), stall, rate.
        self.script = dict(session.transfer_overrides.get(file.name, {}))
        self.failure: str | None = None
        self.interrupted = False
        self.broken: str | None = None  # the client's body broke off: why
        self.parts: list[Sink] = []
        self.ova = ovf.is_ova(file.name)
        algorithms = self._algorithms(file.name, file.algorithm)
        self.sink = Sink(file.name, algorithms, None if self.ova else spools)
        file.attempt = self  # the latest transfer of a file is the one that counts

    def discard(self) -> None:
        """Drop what arrived (a superseded or abandoned transfer): spools are closed."""
        for sink in (self.sink, *self.parts):
            sink.discard()

    @property
    def received(self) -> int:
        return self.sink.received

    def _algorithms(self, name: str, declared: str) -> set[str]:
        wanted = {declared}
        if name in self.manifest:
            wanted.add(self.manifest[name][0])
        return wanted

    def write(self, chunk: bytes) -> None:
        if self.script.get("corrupt") and self.sink.received == 0 and chunk:
            chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]  # damaged in transit
        self.sink.write(chunk)
        self._progress()

    def _progress(self) -> None:
        if self.file.attempt is self:  # a superseded attempt no longer speaks for the file
            self.file.bytes_transferred = self.sink.received

    def feed(
        self, chunks: Iterable[bytes], read_into: Callable[[memoryview], int] | None = None
    ) -> None:
        """Consume the byte stream ``chunks``; where ``read_into`` is given (the same stream,
        read into a caller's buffer: see ``Request.reader``), a large unscripted file goes on
        with it once its spool is on disk, without a chunk object per read."""
        limit = self.script.get("fail_after")
        if limit is not None:
            chunks = self._cut(chunks, limit)
        if self.script or self.ova:
            read_into = None
        self.sink.direct = read_into is not None
        try:
            self._feed(chunks, read_into)
        finally:
            for sink in (self.sink, *self.parts):
                sink.close()

    def _feed(self, chunks: Iterable[bytes], read_into: Callable[[memoryview], int] | None) -> None:
        try:
            if self.ova:
                ovf.unpack_ova(iter(chunks), self.write, self._open_part, check_file_name)
                for part in self.parts:
                    _check_metadata(part)
            else:
                for chunk in chunks:
                    self.write(chunk)
                    if read_into is not None and self._read(read_into):
                        break
                _check_metadata(self.sink)
        except ovf.OvfError as exc:
            self.failure = str(exc)
            for _ in chunks:  # the client still sends the rest; it is not looked at
                pass

    def _read(self, read_into: Callable[[memoryview], int]) -> bool:
        """The rest of the stream through ``read_into``, where the sink takes it so: whether
        it did (the stream is then at its end)."""
        count = self.sink.read_into(read_into)
        if count is None:
            return False
        while count:
            self._progress()
            count = self.sink.read_into(read_into)
        return True

    def _cut(self, chunks: Iterable[bytes], limit: int) -> Iterable[bytes]:
        """Stop after ``limit`` bytes: the transfer breaks there."""
        sent = 0
        for chunk in chunks:
            if sent + len(chunk) >= limit:
                yield chunk[: limit - sent]
                self.interrupted = True
                return
            sent += len(chunk)
            yield chunk

    def _open_part(self, name: str, size: int) -> Sink:
        if self.parts:  # the previous part is whole: its threads and buffers go now
            self.parts[-1].close()
        if (
            self.parts
            and self.parts[-1].metadata is not None
            and ovf.is_manifest(self.parts[-1].name)
        ):
            self.manifest.update(ovf.parse_manifest(bytes(self.parts[-1].metadata)))
        part = Sink(name, self._algorithms(name, DEFAULT_ALGORITHM), self.spools)
        self.parts.append(part)
        return part
