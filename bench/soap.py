"""vim25 SOAP cost: per call in-process, and a whole pyVmomi lookup over a socket.

Run: ``python bench/soap.py [ROUNDS]`` (default 300).

1. In-process, through ``requests`` and ``responses``: a ``Fetch`` of ``Datastore.summary``
   and a folder-traversal ``RetrieveProperties`` to every datastore (what the Ansible modules
   send), against the very same answers from a bare ``responses`` callback. The ratio is what
   decoding, the dispatcher, the PropertyCollector and pyVmomi's serializer add.
2. Served: the SDK samples' lookup with pyVmomi (SmartConnect, a container view, one Fetch of
   ``name`` per datastore, DestroyView, Disconnect) against ``vcl-fake`` and, when it is
   installed (``$VCSIM`` or ``/tmp/gobin/vcsim``), against govmomi's vcsim.

Batches alternate (so machine noise hits both alike); the best of 7 of each is kept.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import responses

from vcl_fake import FakeVCenter, ManualClock

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
ENVELOPE = '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>{}</Body></Envelope>'
FETCH = (
    '<Fetch xmlns="urn:vim25"><_this type="Datastore">datastore-11</_this>'
    "<prop>summary</prop></Fetch>"
)
TRAVERSAL = (
    '<RetrieveProperties xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<_this type="PropertyCollector">propertyCollector</_this><specSet><propSet>'
    "<type>Datastore</type><pathSet>name</pathSet><pathSet>summary.capacity</pathSet>"
    '<pathSet>summary.freeSpace</pathSet></propSet><objectSet><obj type="Folder">group-d1'
    '</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>folders</name>'
    "<type>Folder</type><path>childEntity</path><skip>false</skip><selectSet><name>folders"
    "</name></selectSet><selectSet><name>dcToDs</name></selectSet></selectSet><selectSet "
    'xsi:type="TraversalSpec"><name>dcToDs</name><type>Datacenter</type><path>datastoreFolder'
    "</path><skip>false</skip><selectSet><name>folders</name></selectSet></selectSet>"
    "</objectSet></specSet></RetrieveProperties>"
)


def best(run, rounds: int) -> float:
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(rounds):
            run()
        times.append((time.perf_counter() - start) / rounds)
    return min(times)


def in_process(rounds: int) -> None:
    vc = FakeVCenter("soap.example.com", clock=ManualClock(), seed=1)
    for n in range(4):
        vc.add_datastore(f"ds-{n}")
    http = requests.Session()
    with vc:
        base = vc.url + "/sdk"
        login = (
            '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>'
            f"<userName>{USER}</userName><password>{PASSWORD}</password></Login>"
        )
        http.post(base, data=ENVELOPE.format(login))
        answers = {
            name: http.post(base, data=ENVELOPE.format(body)).content
            for name, body in (("Fetch", FETCH), ("RetrieveProperties", TRAVERSAL))
        }
    print(f"in-process, {rounds} calls per batch")
    print("| call | bare callback | vcl_fake | ratio |\n|---|---|---|---|")
    for name, body in (("Fetch", FETCH), ("RetrieveProperties", TRAVERSAL)):
        data = ENVELOPE.format(body)
        canned = answers[name]
        results = {}
        for label in ("bare", "fake", "bare", "fake"):
            if label == "fake":
                with vc:
                    results[label] = best(lambda d=data: http.post(base, data=d), rounds)
            else:
                with responses.RequestsMock() as mock:
                    mock.add_callback(
                        responses.POST, base, callback=lambda request, c=canned: (200, {}, c)
                    )
                    results[label] = best(lambda d=data: http.post(base, data=d), rounds)
        bare, fake = results["bare"], results["fake"]
        print(f"| {name} | {bare * 1e6:.0f} µs | {fake * 1e6:.0f} µs | {fake / bare:.2f}x |")


def lookup(port: int, protocol: str) -> None:
    import ssl

    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    si = SmartConnect(
        host="127.0.0.1",
        port=port,
        protocol=protocol,
        user=USER,
        pwd=PASSWORD,
        sslContext=ssl._create_unverified_context(),
    )
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
    names = [ds.name for ds in view.view]
    assert names
    view.Destroy()
    Disconnect(si)
    si._stub.DropConnections()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served(rounds: int) -> None:
    rounds = max(1, rounds // 10)
    print(f"\nserved (plain HTTP), the pyVmomi datastore lookup, {rounds} per batch")
    print("| server | per lookup |\n|---|---|")
    vc = FakeVCenter(seed=1)
    with vc.serve(tls=False) as url:
        port = int(url.rsplit(":", 1)[1])
        fake = best(lambda: lookup(port, "http"), rounds)
    print(f"| vcl_fake | {fake * 1e3:.1f} ms |")
    vcsim = os.environ.get("VCSIM") or shutil.which("vcsim") or "/tmp/gobin/vcsim"
    if not Path(vcsim).is_file():
        print("| vcsim | not installed |")
        return
    port = free_port()
    proc = subprocess.Popen(
        [vcsim, "-l", f"127.0.0.1:{port}", "-tls=false", "-username", USER, "-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        sim = best(lambda: lookup(port, "http"), rounds)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"| vcsim 0.24 | {sim * 1e3:.1f} ms |")
    print(f"| ratio vcl_fake / vcsim | {fake / sim:.2f}x |")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    in_process(count)
    served(count)
