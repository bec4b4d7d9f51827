"""Every parser of outside input has a boundary: whatever arrives, the documented error (or a
result), never another exception. One test per reported example, one fuzz test per parser."""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import math
import subprocess
import sys
import tarfile
import tracemalloc

import pytest
import requests
from conftest import SESSIONS, assert_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcl_fake import FakeVCenter, ManualClock, SystemClock
from vcl_fake.backend import ovf, signing
from vcl_fake.backend.sources import uri_scheme
from vcl_fake.backend.transfers import check_file_name
from vcl_fake.clock import LATEST, MAX_DURATION, format_datetime, parse_datetime
from vcl_fake.contract.check import Exchange, RecordingError, check, check_file
from vcl_fake.contract.types import Scalar
from vcl_fake.errors import VapiError
from vcl_fake.packages import certificate_file, ova, ovf_package, signing_certificate
from vcl_fake.protocols.http import MAX_JSON_DEPTH, Headers, Request, parse_json
from vcl_fake.scenario import ScenarioError, read

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLS = "com.vmware.vdcs.cls-main."
PROBE = "/rest/com/vmware/content/library/item/updatesession/file"
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)


def push(api, session_id: str, name: str, data: bytes) -> dict:
    info = api.post(f"{SESSIONS}/{session_id}/file", json={"name": name, "source_type": "PUSH"})
    assert info.status_code == 200, info.text
    assert requests.put(info.json()["upload_endpoint"]["uri"], data=data).status_code == 200
    return api.get(f"{SESSIONS}/{session_id}/file/{name}").json()


# --- certificates and signatures ------------------------------------------------------------
@pytest.fixture(scope="module")
def signer():
    return signing_certificate("CN=Parser Signer,O=Example", key_type="ec")


def unknown_key_algorithm(pem: str) -> str:
    """The certificate with its key's algorithm OID (id-ecPublicKey) changed to an unknown one."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)
    ec_oid = bytes.fromhex("06072a8648ce3d0201")
    assert ec_oid in der
    der = der.replace(ec_oid, bytes.fromhex("06072a8648ce3d0209"))
    import base64

    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def test_an_odd_hex_signature_is_a_file_error_and_the_item_stays_usable(api, vc, item, signer):
    package = ovf_package("photon", {"disk.vmdk": b"disk"})
    cert = certificate_file("photon.mf", package["photon.mf"], signer)
    line, rest = cert.split(b"\n", 1)
    odd = line + b"a\n" + rest  # one more hex digit
    session_id = api.create_session(item)
    info = push(api, session_id, "photon.cert", odd)
    assert info["status"] == "ERROR"
    assert info["error_message"]["id"] == CLS + "ovf_package_invalid"
    assert "odd number of hex digits" in info["error_message"]["default_message"]
    assert api.session(session_id)["state"] == "ERROR"
    again = api.create_session(item)  # the item is not stuck
    for name in ("photon.mf", "photon.ovf", "disk.vmdk"):
        assert push(api, again, name, package[name])["status"] == "READY"
    assert api.action(again, "complete").status_code == 204


def test_a_certificate_with_an_unknown_key_algorithm_is_a_file_error(api, item, signer):
    pem = unknown_key_algorithm(signer.certificate_pem)
    with pytest.raises(ovf.OvfError, match="cannot be used"):
        signing.parse_cert_file(b"SHA256(p.mf)= abcd\n" + pem.encode())
    session_id = api.create_session(item)
    info = push(api, session_id, "p.cert", b"SHA256(p.mf)= abcd\n" + pem.encode())
    assert info["status"] == "ERROR"
    assert info["error_message"]["id"] == CLS + "ovf_package_invalid"
    assert "the signer's certificate cannot be used" in info["error_message"]["default_message"]


def test_a_pull_source_with_an_unknown_key_algorithm_is_refused_not_a_500(vc, api, item, signer):
    pem = unknown_key_algorithm(signer.certificate_pem)
    vc.add_source("https://depot.example.com/a.iso", b"data", certificate=pem)
    vc.trust(signer.certificate_pem)
    session_id = api.create_session(item)
    spec = {
        "name": "a.iso",
        "source_type": "PULL",
        "source_endpoint": {"uri": "https://depot.example.com/a.iso"},
    }
    info = api.post(f"{SESSIONS}/{session_id}/file", json=spec)
    assert info.status_code == 200, info.text
    assert info.json()["status"] == "ERROR"
    assert info.json()["error_message"]["id"] == CLS + "http_request_error_peer_not_authenticated"
    probe = api.post(
        PROBE,
        params={"~action": "probe"},
        json={"source_endpoint": {"uri": "https://depot.example.com/a.iso"}},
    )
    assert probe.status_code == 200, probe.text
    assert probe.json()["value"]["status"] == "CERTIFICATE_ERROR"


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300),
        st.tuples(
            st.sampled_from(["SHA1", "SHA256", "SHA512", "MD5", ""]),
            st.text("0123456789abcdefXYZ ", max_size=40),
            st.sampled_from(["", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]),
        ).map(lambda t: f"{t[0]}(p.mf)= {t[1]}\n{t[2]}".encode()),
    )
)
def test_fuzz_certificate_files(content):
    try:
        parsed = signing.parse_cert_file(content)
    except ovf.OvfError:
        return
    assert parsed.certificates


# --- datetimes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-30T00:00:00Z"]
)
def test_datetimes_at_the_calendar_edges_are_refused_cleanly(text):
    with pytest.raises(ValueError):
        parse_datetime(text)
    with pytest.raises(VapiError) as refused:
        Scalar("datetime").decode(text, "when")
    assert refused.value.error_type == "INVALID_ARGUMENT"
    with pytest.raises(ValueError):
        ManualClock(text)
    with pytest.raises(ScenarioError, match=r"<scenario>:3:\d+: .* is not a date and time"):
        read(f'version: 1\nname: x\nclock: {{start: "{text}"}}\n')


def test_a_datetime_at_the_edge_in_utc_is_accepted():
    assert parse_datetime("9999-12-31T23:59:59Z").year == 9999
    assert parse_datetime("0001-01-01T01:00:00+01:00").year == 1


@pytest.mark.parametrize(
    "text, read",
    [
        ("2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.100000+00:00"),
        ("2026-01-01t00:00:00.1234567z", "2026-01-01T00:00:00.123456+00:00"),
        ("2026-01-01 00:00:00-01:30", "2026-01-01T01:30:00+00:00"),
        ("2026-01-01T00:00:00", "2026-01-01T00:00:00+00:00"),  # no offset: UTC
    ],
)
def test_rfc_3339_datetimes_read_the_same_on_every_python(text, read):
    assert parse_datetime(text).isoformat() == read


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01",
        "20260101T000000Z",
        "2026-01-01T00:00Z",
        "2026-01-01T00:00:00,5Z",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00+24:00",
        "2026-W01-1T00:00:00Z",
        "2026-01-01T00:00:60Z",
        "\uff12026-01-01T00:00:00Z",
    ],
)
def test_forms_rfc_3339_does_not_have_are_refused_on_every_python(text):
    with pytest.raises(ValueError):
        parse_datetime(text)
    with pytest.raises(ValueError):
        ManualClock(text)


def test_datetimes_are_written_in_rfc_3339_with_milliseconds_and_a_four_digit_year():
    assert format_datetime(parse_datetime("0001-01-01T01:00:00.1234+01:00")) == (
        "0001-01-01T00:00:00.123Z"
    )
    assert format_datetime(parse_datetime("2026-03-04T05:06:07+05:00")) == (
        "2026-03-04T00:06:07.000Z"
    )


@FUZZ
@given(st.datetimes(timezones=st.just(_dt.timezone.utc)))
def test_fuzz_written_datetimes_read_back_to_the_millisecond(moment):
    text = format_datetime(moment)
    assert len(text) == 24 and text.endswith("Z")
    assert parse_datetime(text) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@FUZZ
@given(st.text(max_size=40) | st.datetimes().map(lambda d: d.isoformat() + "+23:59"))
def test_fuzz_datetimes(text):
    try:
        moment = parse_datetime(text)
    except ValueError:
        return
    assert moment.utcoffset().total_seconds() == 0


# --- JSON bodies -------------------------------------------------------------------------------
def test_json_nesting_is_bounded_the_same_on_every_python():
    assert parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)  # as deep as allowed
    for deeper in (MAX_JSON_DEPTH + 1, 3000):  # 3.13's decoder parses 3000 levels itself
        with pytest.raises(ValueError, match="nests too deeply"):
            parse_json("[" * deeper + "]" * deeper)
    with pytest.raises(ValueError, match="nests too deeply"):
        parse_json('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1))


def test_deeply_nested_api_bodies_are_invalid_arguments(vc, api, item):
    before = api.get(SESSIONS).json()
    body = b"[" * 3000 + b"]" * 3000
    response = api.post(SESSIONS, data=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "INVALID_ARGUMENT")
    assert api.get(SESSIONS).json() == before


# --- URIs ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "uri",
    [
        "http://[::1",
        "https://[zz]/a",  # refused on every Python, not only where urllib checks it (3.11.4+)
        "http://[1.2.3.4]/a",  # brackets hold IPv6 or IPvFuture only
        "http://[v1]/a",
        "http://host:99999999/a",
        "http://host:x/",
    ],
)
def test_malformed_uris_are_invalid_arguments(vc, api, item, uri):
    session_id = api.create_session(item)
    spec = {"name": "a.iso", "source_type": "PULL", "source_endpoint": {"uri": uri}}
    body = assert_error(
        api.post(f"{SESSIONS}/{session_id}/file", json=spec),
        400,
        "INVALID_ARGUMENT",
        CLS + "invalid_url_format",
    )
    assert uri in body["messages"][0]["default_message"]
    assert api.session(session_id)["state"] == "ACTIVE"
    assert api.get(f"{SESSIONS}/{session_id}/file").json() == []
    probe = api.post(PROBE, params={"~action": "probe"}, json={"source_endpoint": {"uri": uri}})
    assert probe.status_code == 200, probe.text
    assert probe.json()["value"]["status"] == "INVALID_URL"
    assert probe.json()["value"]["error_messages"][0]["id"] == CLS + "invalid_url_format"
    with pytest.raises(ValueError):
        vc.add_source(uri, b"x")


@FUZZ
@given(
    st.text(max_size=40)
    | st.from_regex(r"(https?|ds)://[\[\]:0-9a-z.]{0,12}(/[a-z]*)?", fullmatch=True)
)
def test_fuzz_uris(world_api, uri):
    assert uri_scheme(uri) is None or isinstance(uri_scheme(uri), str)
    _vc, api, session_id = world_api
    spec = {"name": "f.iso", "source_type": "PULL", "source_endpoint": {"uri": uri}}
    response = api.post(f"{SESSIONS}/{session_id}/file", json=spec)
    assert response.status_code in (200, 400), response.text


@pytest.fixture(scope="module")
def world_api():
    import conftest

    vc = FakeVCenter("parsers.example.com", clock=ManualClock(), seed=3)
    with vc:
        item = vc.create_item(vc.create_library("l"), "i")
        api = conftest.Api(vc)
        yield vc, api, api.create_session(item)


# --- JSON-RPC credentials --------------------------------------------------------------------
def rpc(vc, security):
    envelope = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "invoke",
        "params": {
            "serviceId": "com.vmware.cis.session",
            "operationId": "create",
            "input": {"STRUCTURE": {"operation-input": {}}},
            "ctx": {"appCtx": {}, "securityCtx": security},
        },
    }
    return requests.post(f"{vc.url}/api", json=envelope)


@pytest.mark.parametrize(
    "security",
    [
        {
            "schemeId": "com.vmware.vapi.std.security.user_pass",
            "userName": 5,
            "password": "VMware1!",
        },
        {
            "schemeId": "com.vmware.vapi.std.security.user_pass",
            "userName": "administrator@vsphere.local",
            "password": ["VMware1!"],
        },
        {
            "schemeId": "com.vmware.vapi.std.security.user_pass",
            "userName": {"a": 1},
            "password": None,
        },
        {"schemeId": "com.vmware.vapi.std.security.session_id", "sessionId": {"x": [1]}},
        {"schemeId": "com.vmware.vapi.std.security.session_id", "sessionId": 12345},
    ],
)
def test_non_string_jsonrpc_credentials_are_unauthenticated(vc, security):
    answer = rpc(vc, security)
    assert answer.status_code == 200
    error = answer.json()["result"]["error"]["ERROR"]
    assert list(error) == ["com.vmware.vapi.std.errors.unauthenticated"]


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["schemeId", "userName", "password", "sessionId"]),
        json_values
        | st.sampled_from(
            ["com.vmware.vapi.std.security.user_pass", "com.vmware.vapi.std.security.session_id"]
        ),
        max_size=4,
    )
)
def test_fuzz_jsonrpc_credentials(world_api, security):
    vc, _, _ = world_api
    answer = rpc(vc, security)
    assert answer.status_code == 200
    result = answer.json()["result"]
    assert "output" in result or list(result["error"]["ERROR"]) == [
        "com.vmware.vapi.std.errors.unauthenticated"
    ]


# --- durations and clocks --------------------------------------------------------------------
@pytest.mark.parametrize("clock", [ManualClock(), SystemClock()], ids=["manual", "system"])
def test_a_clock_refuses_huge_advances_and_keeps_working(clock):
    before = clock.now()
    for seconds in (1e11, 3000 * 365 * 86400, math.inf, math.nan, -1, 10**400, "5"):
        with pytest.raises(ValueError):
            clock.advance(seconds)
    assert clock.now() >= before
    with pytest.raises(ValueError, match="beyond"):
        for _ in range(10):
            clock.advance(MAX_DURATION)
    assert clock.now() <= LATEST
    vc = FakeVCenter("after.example.com", clock=clock)
    vc.reset()
    with vc:
        assert (
            requests.post(
                f"{vc.url}/api/session", auth=("administrator@vsphere.local", "VMware1!")
            ).status_code
            == 201
        )


@pytest.mark.parametrize("option", ["session_timeout", "session_retention", "api_session_timeout"])
def test_huge_timeouts_are_refused_at_construction(option):
    with pytest.raises(ValueError, match=option):
        FakeVCenter(**{option: 1e20})


@pytest.mark.parametrize("key", ["delay", "advance_clock"])
def test_huge_durations_in_scenarios_are_problems(key):
    text = f"version: 1\nname: x\nrules:\n  - match: {{operation: update_session.list}}\n    then: {{{key}: 99999999999999d}}\n"
    with pytest.raises(
        ScenarioError, match=r"<scenario>:5:\d+: '99999999999999d' is longer than the limit"
    ):
        read(text)
    with pytest.raises(ScenarioError, match="longer than the limit"):
        read("version: 1\nname: x\nsetup: {session_timeout: 99999999999999d}\n")


@FUZZ
@given(st.floats(allow_nan=True) | st.integers(min_value=-(10**30), max_value=10**30))
def test_fuzz_clock_advance(seconds):
    clock = ManualClock()
    try:
        clock.advance(seconds)
    except ValueError:
        assert clock.now() == ManualClock.DEFAULT_START
    clock.now().isoformat()


# --- YAML --------------------------------------------------------------------------------
BOMB = "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9 if p else ["1"] * 9) + "]\n"
    for p, c in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
)


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        (BOMB, r"<scenario>:\d+:\d+", "more than 100000 values once aliases are expanded"),
        ("a: &a [*a]\n", "<scenario>:1:4", "an alias contains itself"),
        ("a: &a {b: *a}\n", "<scenario>:1:4", "an alias contains itself"),
        (
            "a: " + "[" * 100 + "]" * 100 + "\n",
            "<scenario>:1:67",
            "nested more than 64 levels deep",
        ),
        (
            "a: " + "{b: " * 100 + "1" + "}" * 100 + "\n",
            r"<scenario>:1:\d+",
            "nested more than 64 levels deep",
        ),
        ("x" * (1024 * 1024 + 1), "<scenario>:1:1", "longer than"),
    ],
)
def test_hostile_yaml_gives_a_positioned_problem(text, where, why):
    with pytest.raises(ScenarioError) as refused:
        read(text)
    assert len(refused.value.problems) == 1
    import re

    assert re.match(where, str(refused.value.problems[0])), refused.value
    assert why in str(refused.value)


def test_deeply_nested_mappings_are_refused_too():
    data: dict = {"version": 1, "name": "x"}
    inner = data
    for _ in range(200):
        inner["setup"] = {}
        inner = inner["setup"]
    with pytest.raises(ScenarioError, match="nested more than 64 levels deep"):
        read(data)


@FUZZ
@given(
    st.text(max_size=200)
    | st.lists(
        st.sampled_from(
            [
                "a: ",
                "&x ",
                "*x",
                "[",
                "]",
                "{",
                "}",
                "\n",
                "- ",
                "b",
                ",",
                "version: 1\n",
                "name: n\n",
                "rules: ",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_fuzz_scenario_yaml(text):
    try:
        read(text)
    except ScenarioError as exc:
        assert all(p.line >= 1 and p.column >= 1 for p in exc.problems)


# --- OVA tar -------------------------------------------------------------------------------
def gnu_sparse(name: str, real_size: int) -> bytes:
    """A GNU sparse member header claiming ``real_size`` bytes, with no data blocks."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.GNUTYPE_SPARSE
    info.size = 0
    block = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    block[386 : 386 + 24] = b"%011o\0%011o\0" % (real_size - 1, 1)  # one byte at the end
    block[483:495] = b"%011o\0" % real_size
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block[:512])
    return bytes(block)


def test_a_gnu_sparse_member_is_refused(api, item):
    descriptor = ovf_package("photon", {"disk.vmdk": b"d"})["photon.ovf"]
    first = tarfile.TarInfo("photon.ovf")
    first.size = len(descriptor)
    padding = b"\0" * (-len(descriptor) % 512)
    package = (
        first.tobuf(format=tarfile.USTAR_FORMAT)
        + descriptor
        + padding
        + gnu_sparse("disk.vmdk", 64 * 1024 * 1024)
        + b"\0" * 1024
    )
    with tarfile.open(fileobj=io.BytesIO(package)) as check:  # what a tar reader sees
        assert check.getmember("disk.vmdk").issparse()
    session_id = api.create_session(item)
    info = push(api, session_id, "photon.ova", package)
    assert info["status"] == "ERROR"
    assert (
        "OVA member 'disk.vmdk' is not a regular file" in info["error_message"]["default_message"]
    )
    assert "disk.vmdk" not in {f["name"] for f in api.get(f"{SESSIONS}/{session_id}/file").json()}


def test_one_huge_chunk_is_read_without_copies():
    disk = b"\x07" * (16 * 1024 * 1024)
    package = ova({"p.ovf": ovf_package("p", {"d.vmdk": disk})["p.ovf"], "d.vmdk": disk})

    class Null:
        def write(self, chunk):
            pass

    tracemalloc.start()
    try:
        ovf.unpack_ova(iter([package]), lambda b: None, lambda n, s: Null(), check_file_name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # never a second copy of the 16 MiB body


@FUZZ
@given(
    st.binary(max_size=2048)
    | st.tuples(st.integers(0, 2047), st.binary(min_size=1, max_size=8)).map(
        lambda t: (lambda good: good[: t[0]] + t[1] + good[t[0] + len(t[1]) :])(
            ova({"p.ovf": b"<Envelope/>", "d": b"x" * 600})
        )
    )
)
def test_fuzz_ova(data):
    with contextlib.suppress(ovf.OvfError):
        ovf.unpack_ova(iter([data]), lambda b: None, lambda n, s: io.BytesIO(), check_file_name)


@FUZZ
@given(
    st.binary(max_size=400)
    | st.text(max_size=200).map(
        lambda t: f"<Envelope><References>{t}</References></Envelope>".encode()
    )
)
def test_fuzz_ovf_descriptors_and_manifests(data):
    for parse in (ovf.referenced_files, ovf.parse_manifest):
        with contextlib.suppress(ovf.OvfError):
            parse(data)


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_file_names(name):
    try:
        check_file_name(name)
    except VapiError as exc:
        assert exc.error_type == "INVALID_ARGUMENT"
    else:
        assert "/" not in name and name not in ("", ".", "..")


# --- recordings ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        '{"log": {"entries": [1, 2]}}',
        '{"log": {"entries": [{"request": "x", "response": {}}]}}',
        '{"log": {"entries": [{"request": {"method": 5, "url": "https://h/api"}, "response": {"status": 200}}]}}',
        '{"log": {"entries": [{"request": {"method": "GET", "url": "https://h/api", "headers": [{"name": "a"}]}, "response": {"status": 200}}]}}',
        '{"log": {"entries": {"a": 1}}}',
        '{"log": []}',
        '{"interactions": [{"request": {"method": "GET", "uri": "https://h/api", "headers": [1]}, "response": {"status": {"code": "x"}}}]}',
        "interactions: [*a]",
        "{" * 5000,
    ],
)
def test_har_files_of_unexpected_shape_are_reported_not_a_traceback(tmp_path, content):
    path = tmp_path / "odd.har"
    path.write_text(content)
    with pytest.raises(RecordingError):
        check_file(path)
    run = subprocess.run(
        [sys.executable, "-m", "vcl_fake.cli", "contract", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "cannot read the recording" in run.stderr
    assert "Traceback" not in run.stderr


@FUZZ
@given(json_values)
def test_fuzz_har_entries(tmp_path_factory, entry):
    path = tmp_path_factory.mktemp("har") / "f.har"
    path.write_text(json.dumps({"log": {"entries": [entry]}}))
    with contextlib.suppress(RecordingError):
        check_file(path)


SOAP_ENVELOPE = (
    '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>{}</Body></Envelope>'
)
soap_elements = st.builds(
    '<{0} xmlns="urn:vim25">{1}</{0}>'.format,
    st.sampled_from(["CurrentTime", "Login", "RetrievePropertiesEx", "CurrentTimeResponse", "X"]),
    st.lists(
        st.sampled_from(
            [
                '<_this type="ServiceInstance">ServiceInstance</_this>',
                '<_this type="SessionManager">SessionManager</_this>',
                '<_this type="Nope">x</_this>',
                "<returnval>2026-01-01T00:00:00Z</returnval>",
                "<returnval>soon</returnval>",
                "<userName>u</userName><password>p</password>",
                "<specSet><propSet><type>Datastore</type><all>maybe</all></propSet></specSet>",
            ]
        ),
        max_size=3,
    ).map("".join),
)
soap_bodies = (
    soap_elements.map(SOAP_ENVELOPE.format)
    | st.just(SOAP_ENVELOPE.format("<Fault><faultcode>x</faultcode><detail><y/></detail></Fault>"))
    | st.text(max_size=80)
).map(str.encode) | st.binary(max_size=80)


@FUZZ
@given(soap_bodies, soap_bodies, st.sampled_from([200, 500, 204, 302, 0]))
def test_fuzz_recorded_soap_exchanges(request_body, response_body, status):
    exchange = Exchange("POST", "https://h/sdk", {}, request_body, status, response_body)
    found = list(check(exchange))
    assert all(m.startswith(("request: ", "response: ")) for m in found)


# --- control API bodies ----------------------------------------------------------------------
@FUZZ
@given(
    st.sampled_from(
        ["clock/advance", "scenario", "libraries", "items", "sources", "trust", "reset"]
    ),
    json_values | st.text(max_size=60),
)
def test_fuzz_control_bodies(world_api, route, body):
    from vcl_fake.control import Control

    vc, _, _ = world_api
    control = Control(vc)
    data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    answer = control(
        Request("POST", f"https://h/_vcl_fake/{route}", Headers({}), data), "127.0.0.1"
    )
    assert answer.status in (200, 400), answer.body
    if answer.status == 400:
        assert json.loads(answer.body)["error_type"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("seconds", [1e300, "1e999", -5, "x", None, [1]])
def test_control_clock_advance_refuses_bad_durations(world_api, seconds):
    from vcl_fake.control import Control

    vc, _, _ = world_api
    control = Control(vc)
    before = vc.clock.now()
    body = json.dumps({"seconds": seconds}).encode()
    answer = control(
        Request("POST", "https://h/_vcl_fake/clock/advance", Headers({}), body), "127.0.0.1"
    )
    assert answer.status == 400
    assert json.loads(answer.body)["messages"][0]["id"] == "vcl_fake.control.bad_request"
    assert vc.clock.now() == before


@FUZZ
@given(
    st.sampled_from(["delay", "advance_clock"]),
    st.from_regex(r"[0-9]{1,400}(\.[0-9]{1,5})?(ms|s|m|h|d)", fullmatch=True)
    | st.text(max_size=20),
    st.from_regex(r"[0-9]{1,400}(\.[0-9]{1,3})?(B|KiB|GiB)(/s)?", fullmatch=True),
)
def test_fuzz_scenario_durations_sizes_and_rates(key, duration, amount):
    rule = f"  - match: {{operation: update_session.list}}\n    then: {{{key}: {json.dumps(duration)}}}\n"
    source = f"    - {{uri: 'http://depot/a', size: {json.dumps(amount.removesuffix('/s'))}, rate: {json.dumps(amount)}}}\n"
    text = f"version: 1\nname: x\nsetup:\n  sources:\n{source}rules:\n{rule}"
    try:
        scenario = read(text)
    except ScenarioError as exc:
        assert all(p.line >= 1 for p in exc.problems)
        return
    vc = FakeVCenter("durations.example.com", clock=ManualClock(), scenario=scenario)
    assert vc.scenario is scenario
