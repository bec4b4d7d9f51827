"""The /sdk wire: what govc and pyVmomi send (captured shapes), checked with pyVmomi's own
response deserializer; malformed, hostile and fuzzed bodies get clean SOAP faults."""

from __future__ import annotations

import http.client
import xml.etree.ElementTree as ET

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyVmomi import SoapAdapter, vim, vmodl
from pyVmomi import VmomiSupport as V

from vcl_fake import FakeVCenter, ManualClock

USER, PASSWORD = "administrator@vsphere.local", "VMware1!"
GOVC_ENVELOPE = (
    '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>{}</Body></Envelope>'
)
PY_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope '
    'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n<soapenv:Body>{}</soapenv:Body>\n</soapenv:Envelope>'
)
LOGIN = (
    '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>'
    "<userName>{}</userName><password>{}</password><locale>en_US</locale></Login>"
)
CURRENT_TIME = (
    '<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>'
    "</CurrentTime>"
)


def result_type(method: str):
    if method == "Fetch":
        return object
    return V.GetWsdlMethod("urn:vim25", method).info.result


def deserialize(response: requests.Response, method: str):
    """pyVmomi's own response deserializer on an answer (a fault comes back as the fault)."""
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return SoapAdapter.SoapResponseDeserializer(None).Deserialize(
        response.content, result_type(method)
    )


class Sdk:
    """Raw SOAP against a fake's /sdk (in-process through responses)."""

    def __init__(self, vc: FakeVCenter) -> None:
        self.vc = vc
        self.http = requests.Session()

    def post(self, operation: str, *, envelope: str = GOVC_ENVELOPE, **headers: str):
        return self.http.post(
            f"{self.vc.url}/sdk",
            data=envelope.format(operation).encode(),
            headers={"Content-Type": 'text/xml; charset="utf-8"', **headers},
        )

    def login(self) -> str:
        response = self.post(LOGIN.format(USER, PASSWORD))
        assert response.status_code == 200, response.text
        return response.headers["Set-Cookie"]


@pytest.fixture
def vc():
    with FakeVCenter(clock=ManualClock(), seed=9) as fake:
        yield fake


@pytest.fixture
def sdk(vc):
    return Sdk(vc)


def test_vim_service_versions_document(vc):
    response = requests.get(f"{vc.url}/sdk/vimServiceVersions.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert (root.tag, root.get("version")) == ("namespaces", "1.0")
    assert root.findtext("namespace/name") == "urn:vim25"
    assert root.findtext("namespace/version") == "8.0.3.0"
    prior = [v.text for v in root.findall("namespace/priorVersions/version")]
    assert {"7.0.3.0", "6.7", "6.5"} <= set(prior)


@pytest.mark.parametrize("action", ["urn:vim25/7.0", '"urn:vim25/8.0.3.0"', None])
def test_login_with_either_soap_action_sets_a_plain_http_cookie(sdk, action):
    headers = {"SOAPAction": action} if action else {}
    response = sdk.post(LOGIN.format(USER, PASSWORD), envelope=PY_ENVELOPE, **headers)
    assert response.status_code == 200
    session = deserialize(response, "Login")
    assert isinstance(session, vim.UserSession)
    assert (session.userName, session.locale) == (USER, "en_US")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith('vmware_soap_session="') and cookie.endswith(
        "; Path=/; HttpOnly; Secure"
    )


@pytest.mark.parametrize(
    "form",
    [
        "vmware_soap_session={key}",
        'vmware_soap_session="{key}"',
        'vmware_soap_session="{key}"; Path=/; HttpOnly; Secure;',
        "other=1; vmware_soap_session={key}; HttpOnly",
    ],
)
def test_the_cookie_is_read_leniently(sdk, form):
    key = sdk.login().split('"')[1]
    sdk.http.cookies.clear()
    response = sdk.post(CURRENT_TIME, Cookie=form.format(key=key))
    assert response.status_code == 200
    assert deserialize(response, "CurrentTime") == sdk.vc.clock.now()


def test_a_requests_session_keeps_the_login_cookie_and_sends_it_back(sdk):
    """In-process answers that set a cookie reach requests' cookie jar (the adapter forms
    them as responses does); answers that set none leave the jar as it was."""
    sdk.login()
    assert [(c.name, c.domain, c.path) for c in sdk.http.cookies] == [
        ("vmware_soap_session", "vcenter.example.com", "/")
    ]
    response = sdk.post(CURRENT_TIME)  # no Cookie header of its own: the jar's is sent
    assert response.status_code == 200
    assert deserialize(response, "CurrentTime") == sdk.vc.clock.now()
    assert "Set-Cookie" not in response.headers
    assert len(sdk.http.cookies) == 1


def test_no_cookie_is_not_authenticated(sdk):
    response = sdk.post(CURRENT_TIME, Cookie="")
    assert response.status_code == 500
    fault = deserialize(response, "CurrentTime")
    assert isinstance(fault, vim.fault.NotAuthenticated)
    assert fault.msg == "The session is not authenticated."
    assert sdk.vc.calls[-1].outcome == "UNAUTHENTICATED"


def test_govc_finder_shapes_with_xml_schema_instance_prefix(sdk):
    sdk.login()
    request = (
        '<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector'
        "</_this><specSet><propSet><type>ManagedEntity</type><pathSet>name</pathSet>"
        "<pathSet>parent</pathSet></propSet><propSet><type>VirtualMachine</type>"
        '<pathSet>parentVApp</pathSet></propSet><objectSet><obj type="Folder">group-s5</obj>'
        "<skip>false</skip><selectSet xmlns:XMLSchema-instance="
        '"http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="TraversalSpec">'
        "<name>traverseParent</name><type>ManagedEntity</type><path>parent</path>"
        '<skip>false</skip><selectSet XMLSchema-instance:type="SelectionSpec">'
        "<name>traverseParent</name></selectSet></selectSet></objectSet></specSet>"
        "</RetrieveProperties>"
    )
    response = sdk.post(request)
    assert response.status_code == 200, response.text
    contents = deserialize(response, "RetrieveProperties")
    path = [(o.obj._moId, {p.name: p.val for p in o.propSet}) for o in contents]
    assert [(obj, props["name"]) for obj, props in path] == [
        ("group-s5", "datastore"),
        ("datacenter-2", "Datacenter"),
        ("group-d1", "Datacenters"),
    ]
    assert "parent" not in path[-1][1]  # the root has no parent
    assert path[0][1]["parent"]._moId == "datacenter-2"
    assert b'<val xsi:type="ManagedObjectReference" type="Datacenter">' in response.content
    assert b'<val xsi:type="xsd:string">datastore</val>' in response.content


def test_every_anytype_value_is_typed(sdk):
    sdk.login()
    fetch = '<Fetch xmlns="urn:vim25"><_this type="{}">{}</_this><prop>{}</prop></Fetch>'
    cases = [
        ("Datacenter", "datacenter-2", "datastore", "ArrayOfManagedObjectReference"),
        ("Datastore", "datastore-11", "summary", "DatastoreSummary"),
        ("Datastore", "datastore-11", "summary.capacity", "xsd:long"),
        ("Folder", "group-s5", "childType", "ArrayOfString"),
        ("ClusterComputeResource", "domain-c7", "resourcePool", "ManagedObjectReference"),
    ]
    for kind, value, prop, xsi in cases:
        response = sdk.post(fetch.format(kind, value, prop))
        assert response.status_code == 200, response.text
        assert f'<returnval xsi:type="{xsi}"'.encode() in response.content, response.text
        assert deserialize(response, "Fetch") is not None
    unset = sdk.post(fetch.format("Folder", "group-d1", "parent"))
    assert b"<FetchResponse" in unset.content and b"returnval" not in unset.content
    assert deserialize(unset, "Fetch") is None


def test_faults_name_the_method_and_the_object(sdk):
    sdk.login()
    unknown = sdk.post(
        '<Frobnicate xmlns="urn:vim25"><_this type="Folder">group-d1</_this></Frobnicate>'
    )
    fault = deserialize(unknown, "CurrentTime")
    assert unknown.status_code == 500
    assert isinstance(fault, vmodl.fault.InvalidRequest)  # as vCenter answers a name it lacks
    assert fault.msg == "Unable to resolve WSDL method name Frobnicate for namespace name urn:vim25"
    assert sdk.vc.calls[-1].operation == "vim.Folder.Frobnicate"
    elsewhere = sdk.post(
        '<CurrentTime xmlns="urn:vim25"><_this type="Folder">group-d1</_this></CurrentTime>'
    )
    fault = deserialize(elsewhere, "CurrentTime")
    assert isinstance(fault, vmodl.fault.MethodNotFound)
    assert (fault.method, fault.receiver._moId) == ("CurrentTime", "group-d1")
    assert fault.msg == "Folder does not implement: CurrentTime"
    unmodelled = sdk.post(
        '<CreateFolder xmlns="urn:vim25"><_this type="Folder">group-v3</_this><name>x</name></CreateFolder>'
    )
    fault = deserialize(unmodelled, "CreateFolder")
    assert isinstance(fault, vmodl.fault.NotImplemented)
    assert fault.msg == "Folder.CreateFolder is not modelled by vcl_fake."
    assert sdk.vc.calls[-1].operation == "vim.Folder.CreateFolder"
    missing = sdk.post(
        '<Fetch xmlns="urn:vim25"><_this type="Datastore">datastore-999</_this><prop>name</prop></Fetch>'
    )
    fault = deserialize(missing, "Fetch")
    assert isinstance(fault, vmodl.fault.ManagedObjectNotFound)
    assert fault.obj._moId == "datastore-999"
    assert b'<ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound">' in (
        missing.content
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "not well-formed"),
        (b"<a>", "not well-formed"),
        (b"<Envelope/>", "not a SOAP 1.1 Envelope"),
        (GOVC_ENVELOPE.format("").encode(), "exactly one operation"),
        (GOVC_ENVELOPE.format("<Login/>").encode(), "urn:vim25"),
        (GOVC_ENVELOPE.format('<Login xmlns="urn:vim25"/>').encode(), "_this"),
        (
            GOVC_ENVELOPE.format(
                '<Login xmlns="urn:vim25"><_this type="Nope">x</_this></Login>'
            ).encode(),
            "not a managed object type",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<x>&e;</x>",
            "not well-formed",
        ),
        (b"<a>" * 100_000, "not well-formed"),
    ],
)
def test_malformed_requests_get_invalid_request(sdk, body, says):
    response = sdk.http.post(f"{sdk.vc.url}/sdk", data=body)
    assert response.status_code == 500
    fault = deserialize(response, "CurrentTime")
    assert isinstance(fault, vmodl.fault.InvalidRequest), response.text
    assert says in fault.msg


def test_bad_parameters_are_refused_after_authentication(sdk):
    bad = (
        '<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this>'
        '<container type="Folder">group-d1</container><type>NoSuchType</type>'
        "<recursive>maybe</recursive></CreateContainerView>"
    )
    assert isinstance(deserialize(sdk.post(bad), "CreateContainerView"), vim.fault.NotAuthenticated)
    sdk.login()
    fault = deserialize(sdk.post(bad), "CreateContainerView")
    assert isinstance(fault, vmodl.fault.InvalidRequest)
    assert sdk.vc.calls[-1].outcome == "INVALID_ARGUMENT"
    deep = (
        '<selectSet xsi:type="TraversalSpec"><type>Folder</type><path>childEntity</path>' * 60
        + "</selectSet>" * 60
    )
    nested = (
        '<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector'
        f'</_this><specSet><propSet><type>Folder</type></propSet><objectSet><obj type="Folder">'
        f"group-d1</obj>{deep}</objectSet></specSet></RetrieveProperties>"
    )
    fault = deserialize(sdk.post(nested, envelope=PY_ENVELOPE), "RetrieveProperties")
    assert isinstance(fault, vmodl.fault.InvalidRequest)
    assert "nests too deeply" in fault.msg


def test_chunked_request_bodies_over_the_socket():
    vc = FakeVCenter(clock=ManualClock())
    with vc.serve(tls=False) as url:
        host, port = url.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            body = GOVC_ENVELOPE.format(LOGIN.format(USER, PASSWORD)).encode()
            conn.request(
                "POST",
                "/sdk",
                body=iter([body[:50], body[50:]]),
                headers={"Soapaction": "urn:vim25/7.0", "Content-Type": "text/xml"},
                encode_chunked=True,
            )
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
    assert response.status == 200, data
    assert response.getheader("Set-Cookie").endswith("; Path=/; HttpOnly")  # no Secure on http
    assert [c.operation for c in vc.calls] == ["vim.SessionManager.Login"]


XML_BITS = st.sampled_from(
    [
        "<",
        ">",
        "</",
        "/>",
        '"',
        "=",
        "&",
        "&amp;",
        "xmlns=",
        '"urn:vim25"',
        "_this",
        "type=",
        "Envelope",
        "Body",
        "Login",
        "Fetch",
        "RetrieveProperties",
        "specSet",
        "selectSet",
        "xsi:type",
        "TraversalSpec",
        "soapenv:",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE",
        "<!ENTITY",
        "\x00",
        "\u00e9",
        "9" * 30,
        "-1",
        "true",
        " ",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(XML_BITS, max_size=40).map("".join),
        st.lists(XML_BITS, max_size=20).map(lambda parts: GOVC_ENVELOPE.format("".join(parts))),
    )
)
def test_fuzzed_bodies_get_soap_faults_and_change_nothing(vc, body):
    before = (vc._backend.vim_sessions(), len(vc.libraries()))
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    response = requests.post(f"{vc.url}/sdk", data=data)
    assert response.status_code == 500, response.text
    fault = deserialize(response, "CurrentTime")
    assert isinstance(fault, vmodl.MethodFault)
    assert not isinstance(fault, vmodl.fault.SystemError), fault.msg  # never an internal error
    assert (vc._backend.vim_sessions(), len(vc.libraries())) == before


def test_every_modelled_property_of_every_object_reads_back_in_pyvmomi(sdk):
    """Each property the inventory models, fetched alone and all at once (``all=true``)."""
    sdk.login()
    vcenter = sdk.vc._backend._vcenter
    fetch = '<Fetch xmlns="urn:vim25"><_this type="{}">{}</_this><prop>{}</prop></Fetch>'
    for entity in vcenter.entities.values():
        kind, value = entity.ref
        names = sorted(vcenter.properties(entity))
        for name in names:
            response = sdk.post(fetch.format(kind, value, name))
            assert response.status_code == 200, (kind, name, response.text)
            deserialize(response, "Fetch")
        every = (
            '<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">'
            f"propertyCollector</_this><specSet><propSet><type>{kind}</type><all>true</all>"
            f'</propSet><objectSet><obj type="{kind}">{value}</obj></objectSet></specSet>'
            "</RetrieveProperties>"
        )
        (content,) = deserialize(sdk.post(every), "RetrieveProperties")
        assert sorted(p.name for p in content.propSet) == names


def test_scripted_answers_on_soap_methods(vc, sdk):
    sdk.login()
    vc.load_scenario(
        {
            "version": 1,
            "name": "soap-rules",
            "rules": [
                {
                    "match": {"operation": "vim.ServiceInstance.CurrentTime"},
                    "when": {"nth": 1},
                    "then": {"http": {"status": 503, "body": "busy"}},
                },
                {
                    "match": {"operation": "vim.ServiceInstance.CurrentTime"},
                    "when": {"nth": 2},
                    "then": {"fault": "truncated_body"},
                },
                {
                    "match": {"operation": "vim.ServiceInstance.CurrentTime"},
                    "when": {"nth": 3},
                    "then": {"error": {"type": "NOT_FOUND", "message": "gone"}},
                },
            ],
        }
    )
    busy = sdk.post(CURRENT_TIME)
    assert (busy.status_code, busy.text) == (503, "busy")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        sdk.post(CURRENT_TIME)
    gone = sdk.post(CURRENT_TIME)
    fault = deserialize(gone, "CurrentTime")
    assert isinstance(fault, vmodl.fault.ManagedObjectNotFound)
    assert (fault.msg, fault.obj._moId) == ("gone", "ServiceInstance")
    assert [c.outcome for c in vc.calls[-3:]] == ["http 503", "fault truncated_body", "NOT_FOUND"]


TYPES = st.sampled_from(
    [
        "ManagedEntity",
        "Folder",
        "Datacenter",
        "Datastore",
        "ComputeResource",
        "ClusterComputeResource",
        "ResourcePool",
        "HostSystem",
        "VirtualMachine",
        "ContainerView",
        "SessionManager",
        "ServiceInstance",
        "Task",
        "DatastoreSummary",
        "Nope",
    ]
)
PATHS = st.sampled_from(
    [
        "name",
        "parent",
        "childEntity",
        "datastore",
        "datastoreFolder",
        "vmFolder",
        "host",
        "resourcePool",
        "summary",
        "summary.capacity",
        "summary.bogus",
        "view",
        "owner",
        "currentSession",
        "content",
        "content.about.apiVersion",
        "",
        ".",
        "bogus",
    ]
)
OBJECTS = st.sampled_from(
    [
        ("Folder", "group-d1"),
        ("Folder", "group-s5"),
        ("Datacenter", "datacenter-2"),
        ("Datastore", "datastore-11"),
        ("ClusterComputeResource", "domain-c7"),
        ("ResourcePool", "resgroup-8"),
        ("HostSystem", "host-9"),
        ("Datastore", "datastore-99"),
        ("SessionManager", "SessionManager"),
        ("ServiceInstance", "ServiceInstance"),
        ("Folder", "datastore-11"),
    ]
)


@st.composite
def selection(draw, depth=0):
    if depth > 2 or draw(st.booleans()):
        return f"<selectSet><name>{draw(st.sampled_from(['t0', 't1', 't2', 'missing']))}</name></selectSet>"
    nested = "".join(draw(st.lists(selection(depth + 1), max_size=2)))
    name = draw(st.sampled_from(["t0", "t1", "t2", ""]))
    return (
        f'<selectSet xsi:type="TraversalSpec"><name>{name}</name><type>{draw(TYPES)}</type>'
        f"<path>{draw(PATHS)}</path><skip>{str(draw(st.booleans())).lower()}</skip>{nested}"
        "</selectSet>"
    )


@st.composite
def filter_spec(draw):
    props = "".join(
        f"<propSet><type>{draw(TYPES)}</type><all>{str(draw(st.booleans())).lower()}</all>"
        + "".join(f"<pathSet>{p}</pathSet>" for p in draw(st.lists(PATHS, max_size=3)))
        + "</propSet>"
        for _ in range(draw(st.integers(1, 2)))
    )
    kind, value = draw(OBJECTS)
    select = "".join(draw(st.lists(selection(), max_size=3)))
    skip = str(draw(st.booleans())).lower()
    method = draw(st.sampled_from(["RetrieveProperties", "RetrievePropertiesEx"]))
    options = "<options><maxObjects>2</maxObjects></options>" if method.endswith("Ex") else ""
    return method, (
        f'<{method} xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>'
        f'<specSet>{props}<objectSet><obj type="{kind}">{value}</obj><skip>{skip}</skip>'
        f"{select}</objectSet></specSet>{options}</{method}>"
    )


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filter_spec())
def test_fuzzed_property_collector_specs_answer_or_fault_cleanly(sdk, case):
    if not sdk.http.cookies:
        sdk.login()
    method, body = case
    response = sdk.post(body, envelope=PY_ENVELOPE)
    result = deserialize(response, method)
    if response.status_code == 500:
        assert isinstance(result, vmodl.MethodFault)
        assert not isinstance(result, vmodl.fault.SystemError), result.msg
    else:
        assert response.status_code == 200
        assert not isinstance(result, vmodl.MethodFault)


def test_idle_soap_sessions_expire_with_the_api_session_timeout(vc, sdk):
    sdk.login()
    vc.clock.advance(1799)
    assert sdk.post(CURRENT_TIME).status_code == 200  # and touched
    vc.clock.advance(1801)
    fault = deserialize(sdk.post(CURRENT_TIME), "CurrentTime")
    assert isinstance(fault, vim.fault.NotAuthenticated)
    assert vc._backend.vim_sessions() == 0


def test_oversized_bodies_are_refused(sdk):
    body = GOVC_ENVELOPE.format(LOGIN.format("x" * (2 * 1024 * 1024), "y")).encode()
    response = sdk.http.post(f"{sdk.vc.url}/sdk", data=body)
    fault = deserialize(response, "Login")
    assert response.status_code == 500
    assert isinstance(fault, vmodl.fault.InvalidRequest)
    assert "too large" in fault.msg
    assert sdk.vc.calls == []
