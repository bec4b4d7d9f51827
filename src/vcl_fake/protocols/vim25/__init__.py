"""vim25 SOAP at ``/sdk``: what govc, pyVmomi and other vSphere Web Services clients log in
and look things up with. ``GET /sdk/vimServiceVersions.xml`` answers here; every ``POST /sdk``
goes to :mod:`~vcl_fake.protocols.vim25.soap` (which loads pyVmomi's type model on first use,
so ``import vcl_fake`` stays fast) and through the dispatcher like every vAPI call."""

from __future__ import annotations

from vcl_fake.dispatcher import Dispatcher
from vcl_fake.protocols.http import Request, Response

PREFIX = "/sdk"
PROTOCOL = "vim25"
VERSIONS_PATH = "/sdk/vimServiceVersions.xml"
#: The vim25 versions listed to clients: the one served first, then the older ones it answers.
VERSIONS: tuple[str, ...] = (
    *("8.0.3.0", "8.0.2.0", "8.0.1.0", "8.0.0.0", "7.0.3.0", "7.0.2.0", "7.0.1.0"),
    *("7.0.0.0", "6.7.3", "6.7", "6.5", "6.0", "5.5"),
)
XML = {"Content-Type": "text/xml; charset=utf-8"}


def versions_document() -> bytes:
    prior = "".join(f"\n      <version>{v}</version>" for v in VERSIONS[1:])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<namespaces version="1.0">\n  <namespace>\n'
        f"    <name>urn:vim25</name>\n    <version>{VERSIONS[0]}</version>\n"
        f"    <priorVersions>{prior}\n    </priorVersions>\n  </namespace>\n</namespaces>\n"
    ).encode()


class Vim25Protocol:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def handle(self, request: Request) -> Response:
        if request.path == VERSIONS_PATH and request.method in ("GET", "HEAD"):
            return Response(200, dict(XML), versions_document())
        if request.path.rstrip("/") != PREFIX:
            return Response(404, {"Content-Type": "text/plain"}, b"Not found.\n")
        if request.method != "POST":
            return Response(405, {"Allow": "POST", "Content-Type": "text/plain"}, b"POST only.\n")
        from vcl_fake.protocols.vim25.soap import serve

        return serve(self.dispatcher, request)
