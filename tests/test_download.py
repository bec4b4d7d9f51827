"""Download sessions: the state machine, its files' preparation, and the GET/HEAD/Range data
plane, over /api with plain requests."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
import requests
from conftest import Api, assert_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.protocols.download import Unsatisfiable, parse_range

CLS = "com.vmware.vdcs.cls-main."
DOWNLOADS = "/api/content/library/item/download-session"
UPDATES = "/api/content/library/item/update-session"
DATA = bytes(range(256)) * 4096  # 1 MiB
TOKEN = "b8a2a2e3-2314-43cd-a871-6ede0f429751"


def upload(api: Api, item: str, files: dict[str, bytes]) -> None:
    """PUSH ``files`` into ``item`` through an update session and complete it."""
    sid = api.create_session(item)
    for name, data in files.items():
        spec = {"name": name, "source_type": "PUSH", "size": len(data)}
        info = api.post(f"{UPDATES}/{sid}/file", json=spec).json()
        assert requests.put(info["upload_endpoint"]["uri"], data=data).status_code == 200
    assert api.action(sid, "complete").status_code == 204


def create(api: Api, item: str, **params: str) -> str:
    response = api.post(DOWNLOADS, params=params, json={"library_item_id": item})
    assert response.status_code == 201, response.text
    return response.json()


def act(api: Api, did: str, action: str, **body: object) -> requests.Response:
    return api.post(f"{DOWNLOADS}/{did}", params={"action": action}, json=body or None)


def prepare(api: Api, did: str, name: str, **extra: str) -> requests.Response:
    body = {"file_name": name, **extra}
    return api.post(f"{DOWNLOADS}/{did}/file", params={"action": "prepare"}, json=body)


def file_get(api: Api, did: str, name: str) -> dict:
    response = api.get(f"{DOWNLOADS}/{did}/file", params={"file_name": name})
    assert response.status_code == 200, response.text
    return response.json()


def url_of(api: Api, did: str, name: str) -> str:
    assert prepare(api, did, name).status_code == 200
    return file_get(api, did, name)["download_endpoint"]["uri"]


@pytest.fixture
def stored(api: Api, item: str) -> str:
    upload(api, item, {"disk.vmdk": DATA, "photon.ovf": b"<Envelope/>"})
    return item


# --- the session ---------------------------------------------------------------------------------
def test_create_get_list(api, vc, stored, library):
    did = create(api, stored)
    assert api.get(f"{DOWNLOADS}/{did}").json() == {
        "library_item_id": stored,
        "library_item_content_version": "2",
        "client_progress": 0,
        "state": "ACTIVE",
        "expiration_time": "2026-01-01T00:05:00.000Z",
    }
    other = vc.create_item(library, "other")
    second = create(api, stored)  # any number of downloads of one item
    assert api.get(DOWNLOADS).json() == [did, second]
    assert api.get(DOWNLOADS, params={"library_item_id": other}).json() == []
    assert api.get(DOWNLOADS, params={"library_item_id": stored}).json() == [did, second]
    assert_error(
        api.get(DOWNLOADS, params={"library_item_id": "nope"}),
        404,
        "NOT_FOUND",
        CLS + "library_item_not_found",
    )
    assert [c.operation for c in vc.calls][-2:] == ["download_session.list"] * 2


def test_create_errors_and_client_tokens(api, vc, stored, library):
    assert_error(
        api.post(DOWNLOADS, json={"library_item_id": "missing"}),
        404,
        "NOT_FOUND",
        CLS + "library_item_not_found",
    )
    did = create(api, stored, client_token=TOKEN)
    assert create(api, stored, client_token=TOKEN) == did  # idempotent
    other = vc.create_item(library, "other")
    body = assert_error(
        api.post(DOWNLOADS, params={"client_token": TOKEN}, json={"library_item_id": other}),
        400,
        "INVALID_ARGUMENT",
        CLS + "client_token_reused",
    )
    assert body["messages"][0]["args"] == [TOKEN, did, stored]
    assert_error(
        api.post(DOWNLOADS, params={"client_token": "x"}, json={"library_item_id": stored}),
        400,
        "INVALID_ARGUMENT",
        CLS + "client_token_invalid",
    )
    body = assert_error(api.post(DOWNLOADS, json={}), 400, "INVALID_ARGUMENT")
    assert "library_item_id" in body["messages"][0]["default_message"]
    assert api.get(DOWNLOADS).json() == [did]


def test_subscribed_items_and_items_being_updated_can_be_downloaded(api, vc, stored):
    sub = vc.create_item(vc.create_library("sub", type="SUBSCRIBED"), "mirror")
    create(api, sub)
    api.create_session(stored)  # an ACTIVE update session does not block downloads
    did = create(api, stored)
    assert api.get(f"{DOWNLOADS}/{did}").json()["state"] == "ACTIVE"


def test_keep_alive_progress_and_expiry(api, stored, clock):
    did = create(api, stored)
    clock.advance(200)
    assert act(api, did, "keep-alive", progress=40).status_code == 204
    model = api.get(f"{DOWNLOADS}/{did}").json()
    assert (model["client_progress"], model["expiration_time"]) == (
        40,
        "2026-01-01T00:08:20.000Z",
    )
    body = assert_error(act(api, did, "keep-alive", progress=101), 400, "INVALID_ARGUMENT")
    assert body["messages"][0]["args"][:2] == ["progress", "101"]
    clock.advance(301)  # idle longer than the timeout: gone
    assert_error(
        api.get(f"{DOWNLOADS}/{did}"), 404, "NOT_FOUND", CLS + "download_session_not_found"
    )
    assert api.get(DOWNLOADS).json() == []


@pytest.mark.parametrize(
    ("action", "body", "state"),
    [("cancel", {}, "CANCELED"), ("fail", {"client_error_message": "disk full"}, "ERROR")],
)
def test_cancel_and_fail_end_the_session_and_its_urls(api, stored, clock, action, body, state):
    did = create(api, stored)
    url = url_of(api, did, "disk.vmdk")
    assert act(api, did, action, **body).status_code == 204
    model = api.get(f"{DOWNLOADS}/{did}").json()
    assert model["state"] == state
    if state == "ERROR":
        assert model["error_message"] == {
            "id": CLS + "download_session_client_failed",
            "default_message": "disk full",
            "args": ["disk full"],
        }
    assert "download_endpoint" not in file_get(api, did, "disk.vmdk")
    assert_error(requests.get(url), 404, "NOT_FOUND", CLS + "transfer_endpoint_not_found")
    # as an update session refuses: [operation, state], plus the error text when it has one
    refusal = CLS + "download_session_invalid_state_for_operation"
    reason = ["disk full"] if state == "ERROR" else []
    for again, extra in (
        ("cancel", {}),
        ("fail", {"client_error_message": "x"}),
        ("keep_alive", {}),
    ):
        refused = assert_error(
            act(api, did, again.replace("_", "-"), **extra),
            400,
            "NOT_ALLOWED_IN_CURRENT_STATE",
            refusal + ("_reason" if reason else ""),
        )
        assert refused["messages"][0]["args"] == [again, state, *reason]
    info = prepare(api, did, "photon.ovf").json()  # an ended session prepares nothing
    assert (info["status"], info["error_message"]["id"]) == (
        "ERROR",
        CLS + "download_session_file_prepare_failed",
    )
    clock.advance(299)
    assert api.get(f"{DOWNLOADS}/{did}").status_code == 200  # kept for the retention period
    clock.advance(2)
    assert api.get(f"{DOWNLOADS}/{did}").status_code == 404


def test_delete_in_any_state(api, stored):
    active, canceled = create(api, stored), create(api, stored)
    url = url_of(api, active, "disk.vmdk")
    act(api, canceled, "cancel")
    for did in (active, canceled):
        assert api.delete(f"{DOWNLOADS}/{did}").status_code == 204
        assert_error(
            api.delete(f"{DOWNLOADS}/{did}"), 404, "NOT_FOUND", CLS + "download_session_not_found"
        )
    assert requests.get(url).status_code == 404
    assert api.get(DOWNLOADS).json() == []


def test_deleting_the_item_drops_its_download_sessions(api, stored):
    did = create(api, stored)
    assert api.delete(f"/api/content/library/item/{stored}").status_code == 204
    assert api.get(f"{DOWNLOADS}/{did}").status_code == 404


# --- files and their preparation ----------------------------------------------------------------
def test_files_prepare_and_download_endpoint(api, vc, stored):
    did = create(api, stored)
    assert api.get(f"{DOWNLOADS}/{did}/file").json() == [
        {"name": "disk.vmdk", "size": len(DATA), "bytes_transferred": 0, "status": "UNPREPARED"},
        {"name": "photon.ovf", "size": 11, "bytes_transferred": 0, "status": "UNPREPARED"},
    ]
    assert prepare(api, did, "disk.vmdk").json() == {
        "name": "disk.vmdk",
        "size": len(DATA),
        "bytes_transferred": 0,
        "status": "PREPARE_REQUESTED",
    }
    info = file_get(api, did, "disk.vmdk")
    uri = info.pop("download_endpoint")["uri"]
    assert info == {
        "name": "disk.vmdk",
        "size": len(DATA),
        "bytes_transferred": len(DATA),
        "status": "PREPARED",
    }
    prefix = "https://vcenter.example.com:443/cls/data/"
    assert uri.startswith(prefix) and uri.endswith("/disk.vmdk")
    assert len(uri[len(prefix) :].split("/")[0]) == 64  # 256 bits of token
    again = prepare(api, did, "disk.vmdk").json()
    assert again["download_endpoint"]["uri"] == uri  # prepared once
    assert requests.get(uri).content == DATA
    digest = hashlib.sha1(DATA).hexdigest()  # the item's own checksum, known once downloaded
    assert file_get(api, did, "disk.vmdk")["checksum_info"] == {
        "algorithm": "SHA1",
        "checksum": digest,
    }


def test_file_errors(api, stored):
    did = create(api, stored)
    for response in (
        api.get(f"{DOWNLOADS}/{did}/file", params={"file_name": "x.vmdk"}),
        prepare(api, did, "x.vmdk"),
    ):
        body = assert_error(
            response, 400, "INVALID_ARGUMENT", CLS + "download_session_file_not_found"
        )
        assert body["messages"][0]["args"] == [did, "x.vmdk"]
    for response in (
        api.get(f"{DOWNLOADS}/nope/file"),
        api.get(f"{DOWNLOADS}/nope/file", params={"file_name": "disk.vmdk"}),
        prepare(api, "nope", "disk.vmdk"),
    ):
        assert_error(response, 404, "NOT_FOUND", CLS + "download_session_not_found")
    body = assert_error(
        prepare(api, did, "disk.vmdk", endpoint_type="DIRECT"),
        403,
        "UNAUTHORIZED",
        CLS + "download_session_direct_endpoint_unauthorized",
    )
    assert body["messages"][0]["args"] == [did, "disk.vmdk"]
    assert_error(prepare(api, did, "disk.vmdk", endpoint_type="FTP"), 400, "INVALID_ARGUMENT")


def test_content_not_kept_is_a_clear_error(library):
    with FakeVCenter("digests.example.com", clock=ManualClock(), keep_content=False) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        upload(api, item, {"disk.vmdk": DATA})
        assert vc.get_item(item)["cached"] is False
        assert vc.get_item(item)["files"][0]["cached"] is False
        did = create(api, item)
        info = prepare(api, did, "disk.vmdk").json()
        assert (info["status"], info["error_message"]["id"]) == (
            "ERROR",
            CLS + "download_session_file_not_cached",
        )
        assert "keep_content=False" in info["error_message"]["default_message"]
        assert file_get(api, did, "disk.vmdk")["status"] == "ERROR"


def test_cached_flags_follow_the_bytes(api, vc, library, stored):
    seeded = vc.create_item(library, "seeded", files=[{"name": "a.iso", "size": 10}])
    assert vc.get_item(seeded)["cached"] is True  # a seed declares content on disk
    assert vc.get_item(stored)["cached"] is True
    assert {f["cached"] for f in vc.get_item(stored)["files"]} == {True}
    not_synced = [{"name": "a.iso", "size": 10, "cached": False}]
    assert vc.get_item(vc.create_item(library, "lazy", files=not_synced))["cached"] is False
    did = create(api, seeded)  # but the fake has no bytes to send
    info = prepare(api, did, "a.iso").json()
    assert (info["status"], info["error_message"]["id"]) == (
        "ERROR",
        CLS + "download_session_file_not_cached",
    )
    assert "seeded without data" in info["error_message"]["default_message"]


# --- the data plane ------------------------------------------------------------------------------
def test_get_head_and_ranges(api, stored):
    did = create(api, stored)
    url = url_of(api, did, "disk.vmdk")
    size = len(DATA)
    assert requests.get(url, headers={"Range": "bytes=0-9"}).status_code == 206
    assert "checksum_info" not in file_get(api, did, "disk.vmdk")  # a part is no download
    whole = requests.get(url)
    assert (whole.status_code, whole.content) == (200, DATA)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Length"] == str(size)
    head = requests.head(url)
    assert (head.status_code, head.content, head.headers["Content-Length"]) == (
        200,
        b"",
        str(size),
    )
    cases = {
        "bytes=10-19": (10, 20),
        "bytes=1000-": (1000, size),
        "bytes=-100": (size - 100, size),
        "bytes=0-99999999": (0, size),
        "bytes=-99999999": (0, size),
    }
    for header, (start, stop) in cases.items():
        part = requests.get(url, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.content == DATA[start:stop]
        assert part.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{size}"
        assert part.headers["Content-Length"] == str(stop - start)
    head = requests.head(url, headers={"Range": "bytes=0-9"})
    assert (head.status_code, head.headers["Content-Length"]) == (206, "10")
    for ignored in ("bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=x-"):
        answer = requests.get(url, headers={"Range": ignored})
        assert (answer.status_code, len(answer.content)) == (200, size), ignored
    for unsatisfiable in (f"bytes={size}-", "bytes=-0", f"bytes={size + 5}-{size + 9}"):
        refused = requests.get(url, headers={"Range": unsatisfiable})
        assert refused.status_code == 416, unsatisfiable
        assert refused.headers["Content-Range"] == f"bytes */{size}"
        assert refused.json()["messages"][0]["id"] == CLS + "transfer_range_not_satisfiable"
    assert file_get(api, did, "disk.vmdk")["checksum_info"]["checksum"] == (
        hashlib.sha1(DATA).hexdigest()
    )


def test_dead_and_wrong_urls(api, vc, stored, clock):
    did = create(api, stored)
    url = url_of(api, did, "disk.vmdk")
    token = url.split("/")[-2]
    base = url.rsplit("/cls/data/", 1)[0]
    for wrong in (f"{base}/cls/data/{token}/photon.ovf", f"{base}/cls/data/{'0' * 64}/disk.vmdk"):
        assert_error(requests.get(wrong), 404, "NOT_FOUND", CLS + "transfer_endpoint_not_found")
    assert_error(
        requests.put(url, data=b"x"), 404, "NOT_FOUND", CLS + "transfer_endpoint_not_found"
    )
    assert_error(requests.delete(url), 404, "OPERATION_NOT_FOUND", CLS + "transfer_endpoint_method")
    clock.advance(301)  # the session expires: its URL dies
    assert requests.get(url).status_code == 404
    calls = [c for c in vc.calls if c.operation == "download"]
    assert [c.outcome for c in calls] == ["NOT_FOUND"] * 3
    assert calls[0].protocol == "data"


def test_downloads_keep_the_session_alive(api, stored, clock):
    did = create(api, stored)
    url = url_of(api, did, "disk.vmdk")
    for _ in range(3):
        clock.advance(200)
        assert requests.get(url, headers={"Range": "bytes=0-0"}).status_code == 206
    assert api.get(f"{DOWNLOADS}/{did}").json()["state"] == "ACTIVE"


def test_a_snapshot_of_the_content_version_at_creation(api, stored):
    did = create(api, stored)
    upload(api, stored, {"disk.vmdk": b"new content"})
    url = url_of(api, did, "disk.vmdk")
    assert requests.get(url).content == DATA  # the version the session began with
    newer = create(api, stored)
    assert requests.get(url_of(api, newer, "disk.vmdk")).content == b"new content"
    assert api.get(f"{DOWNLOADS}/{newer}").json()["library_item_content_version"] == "3"


# --- Range: the parser of outside input --------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(header=st.one_of(st.none(), st.text(max_size=300)), size=st.integers(0, 10**12))
def test_range_parser_never_fails_unexpectedly(header, size):
    try:
        found = parse_range(header, size)
    except Unsatisfiable:
        return
    if found is not None:
        start, stop = found
        assert 0 <= start < stop <= size


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(0, 5000),
    first=st.one_of(st.none(), st.integers(0, 6000)),
    last=st.one_of(st.none(), st.integers(0, 6000)),
)
def test_range_parser_agrees_with_slicing(size, first, last):
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    data = bytes(size)
    try:
        found = parse_range(header, size)
    except Unsatisfiable:
        if first is None:
            assert last == 0 or size == 0
        else:
            assert first >= size
        return
    ignored = (first is None and last is None) or (
        first is not None and last is not None and last < first
    )
    if ignored:
        assert found is None
    else:
        assert found is not None
        start, stop = found
        if first is None:
            assert data[start:stop] == data[-last:]
        else:
            assert data[start:stop] == data[first : None if last is None else last + 1]


@pytest.fixture(scope="module")
def live_url():
    with FakeVCenter("fuzzdl.example.com", clock=ManualClock(), seed=1) as vc:
        api = Api(vc)
        item = vc.create_item(vc.create_library("l"), "i")
        upload(api, item, {"d.bin": DATA[:5000]})
        did = create(api, item)
        api.post(f"{DOWNLOADS}/{did}", params={"action": "keep-alive"})
        yield vc, url_of(api, did, "d.bin")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "HEAD"]),
    tail=st.text(max_size=30),
    range_header=st.one_of(
        st.none(),
        st.text(max_size=40),
        st.builds(
            "bytes={}-{}".format,
            st.one_of(st.just(""), st.integers(0, 6000).map(str)),
            st.one_of(st.just(""), st.integers(0, 6000).map(str)),
        ),
    ),
)
def test_the_data_plane_never_fails_on_odd_requests(live_url, method, tail, range_header):
    from vcl_fake.protocols.http import Headers, Request

    vc, url = live_url
    target = url if not tail else url.rsplit("/", 1)[0] + "/" + quote(tail)
    headers = Headers({"Range": range_header} if range_header is not None else {})
    response = vc.handle(Request(method, target, headers))
    body = b"".join(response.stream) if response.stream is not None else response.body
    assert response.status in (200, 206, 404, 416)
    if response.status == 206:
        start, stop = parse_range(range_header, 5000)  # type: ignore[misc]
        assert body == (b"" if method == "HEAD" else DATA[start:stop])
    if response.status == 200 and method == "GET":
        assert body == DATA[:5000]


def test_item_files_download_directly_with_the_api_session(api, vc, stored):
    files = {f["name"]: f for f in api.get(f"/api/content/library/item/{stored}/file").json()}
    direct = files["disk.vmdk"]["file_download_endpoint"]
    library = vc.get_item(stored)["library_id"]
    assert direct == (
        f"https://vcenter.example.com:443/cls/static/{library}/{stored}/disk.vmdk?version=1"
    )
    assert_error(requests.get(direct), 401, "UNAUTHENTICATED")  # needs the API session
    assert api.http.get(direct).content == DATA
    assert api.http.get(direct.split("?")[0], headers={"Range": "bytes=5-9"}).content == DATA[5:10]
    assert_error(
        api.http.get(direct.replace("version=1", "version=2")),
        404,
        "NOT_FOUND",
        CLS + "transfer_endpoint_not_found",
    )
    seeded = vc.create_item(vc.create_library("seeded"), "s", files=[{"name": "a", "size": 1}])
    listed = api.get(f"/api/content/library/item/{seeded}/file").json()
    assert "file_download_endpoint" not in listed[0]  # no bytes, no URL
