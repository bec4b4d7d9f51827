"""Answers a real vCenter gives, each test citing its public source, on every protocol.

Each test provokes one sourced behaviour and asserts the exact status, error type, message
id, args and text on ``/api``, legacy ``/rest`` and JSON-RPC (where vAPI errors travel as
results with HTTP 200). The sources are the ones ``vcl_fake/messages.py`` cites.
"""

from __future__ import annotations

import pytest
import requests
from wire import PROTOCOLS, Answer, Wire, login

from vcl_fake import FakeVCenter, ManualClock
from vcl_fake.packages import ovf_package, signed_ovf, signing_certificate

CLS = "com.vmware.vdcs.cls-main."
BACKING = [{"type": "DATASTORE", "datastore_id": "datastore-11"}]
TOKEN = "b8a2a2e3-2314-43cd-a871-6ede0f429751"
#: What a real vCenter answers a call without a valid login (see messages.AUTH_REQUIRED).
AUTHENTICATION_REQUIRED = (
    401,
    "UNAUTHENTICATED",
    "com.vmware.vapi.endpoint.method.authentication.required",
    [],
    "Authentication required.",
)


@pytest.fixture
def vc():
    with FakeVCenter(clock=ManualClock(), seed=15) as fake:
        yield fake


@pytest.fixture
def wire(vc):
    return Wire(vc)


@pytest.fixture
def item(vc):
    return vc.create_item(vc.create_library("templates"), "photon-5")


def assert_answer(
    answer: Answer,
    protocol: str,
    status: int,
    error_type: str,
    message_id: str,
    args: list[str],
    text: str,
) -> None:
    """The exact error: HTTP status (200 on JSON-RPC), type, and first message."""
    assert answer.status == (200 if protocol == "jsonrpc" else status), answer
    assert answer.error_type == error_type, answer
    assert answer.message == {"id": message_id, "default_message": text, "args": args}


def push_file(wire: Wire, protocol: str, session_id: str, name: str, data: bytes | None) -> None:
    """Add a PUSH file; upload ``data`` unless it is None."""
    added = wire.call(
        protocol,
        "file.add",
        update_session_id=session_id,
        file_spec={"name": name, "source_type": "PUSH"},
    )
    assert added.error_type is None, added
    if data is not None:
        uri = added.result["upload_endpoint"]["uri"]
        assert requests.put(uri, data=data).status_code == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_complete_on_a_session_in_error_names_the_reason(wire, item, protocol):
    """https://github.com/siderolabs/talos/issues/8672 (also /7651, /7663, and
    https://github.com/vmware/govmomi/issues/3319): 400 NOT_ALLOWED_IN_CURRENT_STATE,
    update_session_invalid_state_for_operation_reason, ["complete", "ERROR", <reason>]."""
    session_id = wire.call(protocol, "update_session.create", create_spec={"library_item_id": item})
    reason = "Error transferring file disk.vmdk. Reason: Pipe closed"
    failed = wire.call(
        protocol, "update_session.fail", update_session_id=session_id.result,
        client_error_message=reason,
    )  # fmt: skip
    assert failed.error_type is None
    answer = wire.call(protocol, "update_session.complete", update_session_id=session_id.result)
    assert_answer(
        answer,
        protocol,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_invalid_state_for_operation_reason",
        ["complete", "ERROR", reason],
        "The operation complete can not be invoked when the import session is in the ERROR "
        f"state. Reason: {reason}",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_complete_with_a_push_file_not_received(wire, item, protocol):
    """ansible-collections/community.vmware plugins/modules/vmware_content_library_item.py
    (a quoted answer): NOT_ALLOWED_IN_CURRENT_STATE, update_session_file_not_received,
    [<name>, "WAITING"]."""
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    push_file(wire, protocol, session_id, "fedora.ova", None)
    answer = wire.call(protocol, "update_session.complete", update_session_id=session_id)
    assert_answer(
        answer,
        protocol,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_file_not_received",
        ["fedora.ova", "WAITING"],
        "File fedora.ova has transfer errors or has not been fully received yet (status: WAITING).",
    )
    assert (
        wire.call(protocol, "update_session.get", update_session_id=session_id).result["state"]
        == "ACTIVE"
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_validate_refuses_while_a_push_file_is_not_received(wire, item, protocol):
    """The bindings' File.validate: NotAllowedInCurrentState "if some of the files that will be
    uploaded by the client aren't received correctly" (the same message as complete)."""
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    push_file(wire, protocol, session_id, "disk.vmdk", None)
    answer = wire.call(protocol, "file.validate", update_session_id=session_id)
    assert_answer(
        answer,
        protocol,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_file_not_received",
        ["disk.vmdk", "WAITING"],
        "File disk.vmdk has transfer errors or has not been fully received yet (status: WAITING).",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_duplicate_item_name(vc, wire, protocol):
    """https://github.com/vmware/govmomi/issues/2958: 400 ALREADY_EXISTS,
    duplicate_item_name_unsupported_in_library, [<item>, <library name>, <library id>]."""
    library = vc.create_library("govc_test")
    vc.create_item(library, "ROCKY8")
    answer = wire.call(
        protocol, "item.create", create_spec={"library_id": library, "name": "ROCKY8"}
    )
    assert_answer(
        answer,
        protocol,
        400,
        "ALREADY_EXISTS",
        CLS + "duplicate_item_name_unsupported_in_library",
        ["ROCKY8", "govc_test", library],
        "Operation is not supported since a library item with the name ROCKY8 exists in the "
        f"library 'govc_test' (ID: {library}).",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_complete_with_missing_or_invalid_files(wire, item, protocol):
    """https://github.com/ansible-collections/vmware.vmware/issues/257: NOT_ALLOWED_IN_CURRENT_
    STATE, session_has_missing_or_invalid_files, [<missing>, <invalid>], each name followed
    by a space."""
    package = ovf_package("photon", {"photon-disk1.vmdk": b"disk"}, algorithm=None)
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    push_file(wire, protocol, session_id, "photon.ovf", package["photon.ovf"])
    answer = wire.call(protocol, "update_session.complete", update_session_id=session_id)
    assert_answer(
        answer,
        protocol,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "session_has_missing_or_invalid_files",
        ["photon-disk1.vmdk ", ""],
        "Session has missing file(s): photon-disk1.vmdk  or invalid file(s): .",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_update_session_on_a_vm_template_item(vc, wire, protocol):
    """https://github.com/hashicorp/packer/issues/12622: "Update session creation is not
    supported for library item '<name>' (ID: <id>) because it contains a virtual machine
    template." (the id and type are not public: see docs/differences.md)."""
    template = vc.create_item(vc.create_library("l"), "nats-rhel9-template", type="vm-template")
    answer = wire.call(protocol, "update_session.create", create_spec={"library_item_id": template})
    assert_answer(
        answer,
        protocol,
        400,
        "INVALID_ELEMENT_TYPE",
        CLS + "update_session_creation_unsupported_for_vm_template",
        ["nats-rhel9-template", template],
        "Update session creation is not supported for library item 'nats-rhel9-template' "
        f"(ID: {template}) because it contains a virtual machine template.",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_operation_needs_authentication(vc, protocol):
    """A real 401 body quoted in public code (see messages.AUTH_REQUIRED): UNAUTHENTICATED,
    com.vmware.vapi.endpoint.method.authentication.required, no args, "Authentication
    required."."""
    answer = Wire(vc, token="f" * 32).call(protocol, "library.list")
    assert_answer(answer, protocol, *AUTHENTICATION_REQUIRED)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_library_names_need_not_be_unique(wire, protocol):
    """https://github.com/vmware/govmomi/issues/1581 (two libraries of the same name) and the
    bindings' LibraryModel.name ("Names do not have to be unique")."""
    spec = {"name": "my-content-library", "storage_backings": BACKING}
    first = wire.call(protocol, "local_library.create", create_spec=spec)
    second = wire.call(protocol, "local_library.create", create_spec=spec)
    assert first.error_type is None and second.error_type is None
    assert first.result != second.result
    assert sorted(wire.call(protocol, "library.list").result) == sorted(
        [first.result, second.result]
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_library_reads_as_vcenter_shows_an_unset_one(vc, wire, protocol):
    """A real /rest library body quoted in public docs (description "", optimization_info,
    publish_info with authentication_method NONE, persist_json_enabled false and a
    publish_url .../cls/vcsp/lib/<id>/lib.json); the bindings: description "will always be
    present", an empty string when unset."""
    library = wire.call(
        protocol,
        "local_library.create",
        create_spec={"name": "TEMP1", "storage_backings": BACKING},
    ).result
    model = wire.call(protocol, "library.get", library_id=library).result
    assert model["description"] == ""
    assert model["optimization_info"] == {"optimize_remote_publishing": False}
    assert model["publish_info"] == {
        "authentication_method": "NONE",
        "published": False,
        "publish_url": f"https://{vc.host}:443/cls/vcsp/lib/{library}/lib.json",
        "persist_json_enabled": False,
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_item_reads_as_vcenter_shows_an_unset_one(vc, wire, protocol):
    """ansible-collections/community.vmware plugins/modules/vmware_content_library_item.py
    (a real item in its RETURN sample): security_compliance true, certificate_verification_info
    {"status": "NOT_AVAILABLE"}; the bindings: description "" when unset."""
    library = vc.create_library("fedora-content-library")
    item = wire.call(protocol, "item.create", create_spec={"library_id": library, "name": "f"})
    model = wire.call(protocol, "item.get", library_item_id=item.result).result
    assert model["description"] == ""
    assert model["security_compliance"] is True
    assert model["certificate_verification_info"] == {"status": "NOT_AVAILABLE"}
    assert model["cached"] is False and model["size"] == 0


@pytest.mark.parametrize(("service", "operation", "message_id", "args", "text"), [
    ("com.vmware.content.nope", "get", "vapi.method.input.invalid.interface",
     ["com.vmware.content.nope"], "Invalid interface com.vmware.content.nope"),
    ("com.vmware.content.library", "nope", "vapi.method.input.invalid.method", ["nope"],
     "Invalid method nope"),
])  # fmt: skip
def test_jsonrpc_unknown_service_or_operation(wire, service, operation, message_id, args, text):
    """The vAPI runtime (vmware/vapi/provider/local.py, settings/runtime.properties): an
    unknown service, then an unknown method, is OPERATION_NOT_FOUND with these ids."""
    answer = wire.envelope(
        {
            "jsonrpc": "2.0",
            "method": "invoke",
            "id": "1",
            "params": {
                "serviceId": service,
                "operationId": operation,
                "input": {"STRUCTURE": {"operation-input": {}}},
                "ctx": {},
            },
        }
    )
    assert_answer(answer, "jsonrpc", 200, "OPERATION_NOT_FOUND", message_id, args, text)


@pytest.mark.parametrize(
    ("uri", "message_id", "text"),
    [
        ("ftp://depot/x.iso", "file_probe_unsupported_uri_scheme",
         "The specified URI ftp://depot/x.iso is not supported"),
        ("http://[::1/x.iso", "invalid_url_format", "Invalid URL format for http://[::1/x.iso"),
    ],
)  # fmt: skip
def test_probe_of_a_uri_the_server_cannot_fetch(vc, wire, uri, message_id, text):
    """govmomi's vcsim (vapi/simulator/simulator.go), modelled on vCenter: INVALID_URL with
    file_probe_unsupported_uri_scheme or invalid_url_format, args [<uri>]."""
    response = requests.post(
        f"{vc.url}/rest/com/vmware/content/library/item/updatesession/file",
        params={"~action": "probe"},
        headers={"vmware-api-session-id": wire.token},
        json={"source_endpoint": {"uri": uri}},
    )
    assert response.status_code == 200
    assert response.json()["value"] == {
        "status": "INVALID_URL",
        "error_messages": [{"id": CLS + message_id, "default_message": text, "args": [uri]}],
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_adding_a_pull_from_a_uri_that_does_not_parse(wire, item, protocol):
    """The same message as the probe's (vcsim), as INVALID_ARGUMENT: the file spec is invalid
    (the bindings' File.add); never an internal error."""
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    spec = {"name": "x.iso", "source_type": "PULL", "source_endpoint": {"uri": "http://[::1/x"}}
    answer = wire.call(protocol, "file.add", update_session_id=session_id, file_spec=spec)
    assert_answer(
        answer,
        protocol,
        400,
        "INVALID_ARGUMENT",
        CLS + "invalid_url_format",
        ["http://[::1/x"],
        "Invalid URL format for http://[::1/x",
    )


# --- what the bindings' docstrings say, on every protocol -------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("alias", ["local_library.create", "item.create"])
def test_the_same_client_token_returns_the_same_id(vc, wire, protocol, alias):
    """The bindings' LocalLibrary.create and Item.create: the client token "can be used to
    guarantee idempotent creation"; a token that is not a UUID is InvalidArgument."""
    spec = (
        {"name": "lib", "storage_backings": BACKING}
        if alias == "local_library.create"
        else {"library_id": vc.create_library("templates"), "name": "photon"}
    )
    first = wire.call(protocol, alias, create_spec=spec, client_token=TOKEN)
    again = wire.call(protocol, alias, create_spec=spec, client_token=TOKEN)
    assert first.error_type is None and again.result == first.result
    other = wire.call(protocol, alias, create_spec={**spec, "name": "other"})
    assert other.result != first.result
    answer = wire.call(protocol, alias, create_spec=spec, client_token="not-a-uuid")
    assert_answer(
        answer,
        protocol,
        400,
        "INVALID_ARGUMENT",
        CLS + "client_token_invalid",
        ["not-a-uuid"],
        "Client token not-a-uuid is not a UUID.",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("spec", "message_id", "args", "text"),
    [
        ({"name": ""}, "library_item_name_empty", [], "A library item needs a non-empty name."),
        ({"name": "n" * 81}, "library_item_name_too_long", ["81", "80"],
         "The library item name has 81 characters; at most 80 are allowed."),
        ({"name": "ok", "description": "d" * 2001}, "library_item_description_too_long",
         ["2001", "2000"],
         "The library item description has 2001 characters; at most 2000 are allowed."),
    ],
)  # fmt: skip
def test_item_name_and_description_limits(vc, wire, protocol, spec, message_id, args, text):
    """The bindings' Item.create: InvalidArgument if the name is empty or exceeds 80
    characters, or the description exceeds 2000 (the limits themselves are accepted)."""
    library = vc.create_library("templates")
    answer = wire.call(protocol, "item.create", create_spec={"library_id": library, **spec})
    assert_answer(answer, protocol, 400, "INVALID_ARGUMENT", CLS + message_id, args, text)
    longest = {"library_id": library, "name": "n" * 80, "description": "d" * 2000}
    assert wire.call(protocol, "item.create", create_spec=longest).error_type is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_multiple_storage_backings_are_unsupported(wire, protocol):
    """The bindings' LocalLibrary.create: Unsupported "if using multiple storage backings"."""
    spec = {"name": "two", "storage_backings": BACKING * 2}
    answer = wire.call(protocol, "local_library.create", create_spec=spec)
    assert_answer(
        answer,
        protocol,
        400,
        "UNSUPPORTED",
        CLS + "library_multiple_storage_backings_unsupported",
        ["2"],
        "Operation is not supported since the library has 2 storage backings; only one is "
        "supported.",
    )
    assert wire.call(protocol, "library.list").result == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_empty_library_name_is_invalid(wire, protocol):
    """The bindings' LibraryModel.name: "Library names cannot be undefined or an empty
    string" (InvalidArgument: the create spec is not valid)."""
    answer = wire.call(
        protocol, "local_library.create", create_spec={"name": "", "storage_backings": BACKING}
    )
    assert_answer(
        answer,
        protocol,
        400,
        "INVALID_ARGUMENT",
        CLS + "library_name_missing",
        [],
        "A library needs a name.",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_item_of_a_subscribed_library_cannot_be_deleted(vc, wire, protocol):
    """The bindings' Item.delete: InvalidElementType if the item "is a member of a subscribed
    library"."""
    library = vc.create_library("sub", type="SUBSCRIBED")
    item = vc.create_item(library, "synced")
    answer = wire.call(protocol, "item.delete", library_item_id=item)
    assert_answer(
        answer,
        protocol,
        400,
        "INVALID_ELEMENT_TYPE",
        CLS + "library_item_in_subscribed_library",
        [item, library],
        f"Library item {item} belongs to SUBSCRIBED library {library}; it can be changed only "
        "in its published library.",
    )
    assert vc.get_item(item)["name"] == "synced"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_item_files_carry_version_and_cached(vc, wire, protocol, item):
    """The bindings' Item.File.Info: ``version`` is "incremented when a new copy of the file
    is uploaded"; ``cached`` says whether it is on disk."""
    for content in (b"one", b"two"):
        session_id = wire.call(
            protocol, "update_session.create", create_spec={"library_item_id": item}
        ).result
        push_file(wire, protocol, session_id, "a.iso", content)
        assert wire.call(protocol, "update_session.complete", update_session_id=session_id).status
    info = wire.call(protocol, "item_file.get", library_item_id=item, name="a.iso").result
    assert (info["version"], info["cached"], info["size"]) == ("2", True, 3)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_file_uri_is_accepted_at_add_and_refused_at_transfer(vc, wire, item, protocol):
    """The bindings' File.add names "a file or datastore URI" as a PULL source: the URI is
    accepted, and a missing file fails the transfer (the file and the session turn ERROR),
    not the add."""
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    uri = "file:///var/tmp/photon.iso"
    spec = {"name": "photon.iso", "source_type": "PULL", "source_endpoint": {"uri": uri}}
    added = wire.call(protocol, "file.add", update_session_id=session_id, file_spec=spec)
    assert added.error_type is None, added
    assert added.result["status"] == "ERROR"
    assert added.result["error_message"]["id"] == CLS + "datastore_file_not_found"
    session = wire.call(protocol, "update_session.get", update_session_id=session_id).result
    assert session["state"] == "ERROR"
    vc.add_source(uri, b"iso bytes")
    again = wire.call(protocol, "update_session.create", create_spec={"library_item_id": item})
    added = wire.call(protocol, "file.add", update_session_id=again.result, file_spec=spec)
    assert added.result["status"] == "READY"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_uploads_do_not_keep_the_login_alive(vc, wire, item, protocol):
    """https://github.com/vmware/govmomi/issues/1832: after hours of uploading, complete
    answered 401 (the API session had expired; the upload URL needs no login). vCenter's
    default idle timeout of an API session is 30 minutes
    (https://github.com/vmware/govmomi/issues/2698)."""
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    added = wire.call(
        protocol,
        "file.add",
        update_session_id=session_id,
        file_spec={"name": "disk.vmdk", "source_type": "PUSH"},
    )
    for _ in range(8):  # 8 x 250 s of upload traffic keep the update session alive
        vc.clock.advance(250)
        assert requests.put(added.result["upload_endpoint"]["uri"], data=b"x").status_code == 200
    answer = wire.call(protocol, "update_session.complete", update_session_id=session_id)
    assert_answer(answer, protocol, *AUTHENTICATION_REQUIRED)
    again = Wire(vc).call(protocol, "update_session.get", update_session_id=session_id)
    assert again.result["state"] == "ACTIVE"  # a new login finds the session intact


@pytest.fixture(scope="module")
def self_signed():
    return signing_certificate("CN=test,O=test")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_preview_warnings_of_a_self_signed_package(wire, item, protocol, self_signed):
    """https://github.com/vmware/vsphere-automation-sdk-java/issues/78 (a real preview_info):
    SELF_SIGNED_CERTIFICATE and UNTRUSTED_CERTIFICATE, ids com.vmware.vdcs.vsphere-cs-lib.*,
    no args; complete refuses until they are ignored."""
    package = signed_ovf("photon", {"photon-disk1.vmdk": b"disk"}, self_signed)
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    for name in sorted(package, key=lambda n: (not n.endswith((".mf", ".cert")), n)):
        push_file(wire, protocol, session_id, name, package[name])
    session = wire.call(protocol, "update_session.get", update_session_id=session_id).result
    warnings = session["preview_info"]["warnings"]
    assert warnings == [
        {
            "type": "SELF_SIGNED_CERTIFICATE",
            "message": {
                "id": "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_SELF_SIGNED",
                "default_message": "The certificate is self-signed.",
                "args": [],
            },
            "ignored": False,
        },
        {
            "type": "UNTRUSTED_CERTIFICATE",
            "message": {
                "id": "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_UNTRUSTED",
                "default_message": "The certificate is not trusted.",
                "args": [],
            },
            "ignored": False,
        },
    ]
    behaviour = [{"type": w["type"], "ignored": True} for w in warnings]
    updated = wire.call(
        protocol,
        "update_session.update",
        update_session_id=session_id,
        update_spec={"warning_behavior": behaviour},
    )
    assert updated.error_type is None, updated
    done = wire.call(protocol, "update_session.complete", update_session_id=session_id)
    assert done.error_type is None, done


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_library_whose_storage_is_gone(vc, wire, protocol):
    """https://github.com/aws/eks-anywhere/issues/1488: 400 NOT_ALLOWED_IN_CURRENT_STATE,
    invalid_library_backing_does_not_exist, [<library name>, <library id>]; the bindings'
    Item.create and File.add refuse when the library's content is gone from its storage."""
    library = vc.create_library("eks-a-templates", storage_lost=True)
    text = (
        f"Cannot find the storage backing of library eks-a-templates (ID: {library}). This "
        "error may occur due to restore of a deleted library."
    )
    expected = (400, "NOT_ALLOWED_IN_CURRENT_STATE", CLS + "invalid_library_backing_does_not_exist")
    answer = wire.call(protocol, "item.create", create_spec={"library_id": library, "name": "t"})
    assert_answer(answer, protocol, *expected, ["eks-a-templates", library], text)
    item = vc.create_item(library, "seeded")
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    spec = {"name": "a.iso", "source_type": "PUSH"}
    answer = wire.call(protocol, "file.add", update_session_id=session_id, file_spec=spec)
    assert_answer(answer, protocol, *expected, ["eks-a-templates", library], text)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_broken_push_then_complete_reads_as_on_vcenter(vc, wire, item, protocol):
    """https://github.com/siderolabs/talos/issues/7651 (and /8672, govmomi /3319): a PUSH
    whose connection broke fails the session; complete then answers
    update_session_invalid_state_for_operation_reason with the reason "Error transferring file
    <name> to <ds:// destination>. Reason: IO error during transfer of <destination>: Pipe
    closed"."""
    rule = {"match": {"operation": "upload"}, "then": {"transfer": {"fail_after": 4}}}
    vc.load_scenario({"version": 1, "name": "broken-push", "rules": [rule]})
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    added = wire.call(
        protocol,
        "file.add",
        update_session_id=session_id,
        file_spec={"name": "vmware-amd64.vmdk", "source_type": "PUSH"},
    )
    assert (
        requests.put(added.result["upload_endpoint"]["uri"], data=b"0123456789").status_code == 500
    )
    library = vc.get_item(item)["library_id"]
    where = (
        f"ds:///vmfs/volumes/datastore-11/contentlib-{library}/{item}/vmware-amd64.vmdk"
        f"?serverId={vc.get_library(library)['server_guid']}"
    )
    reason = (
        f"Error transferring file vmware-amd64.vmdk to {where}. Reason: IO error during "
        f"transfer of {where}: Pipe closed"
    )
    answer = wire.call(protocol, "update_session.complete", update_session_id=session_id)
    assert_answer(
        answer,
        protocol,
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        CLS + "update_session_invalid_state_for_operation_reason",
        ["complete", "ERROR", reason],
        "The operation complete can not be invoked when the import session is in the ERROR "
        f"state. Reason: {reason}",
    )


@pytest.mark.parametrize(
    "path", ["/api/appliance/bogus-xyz/nothing", "/rest/com/vmware/content/nothing"]
)
def test_a_path_no_operation_serves(vc, wire, path):
    """A vCenter 9.1.1 probe noted in public docs and a client's quoted body (see
    messages.OPERATION_NOT_FOUND): 404 NOT_FOUND, com.vmware.vapi.rest.httpNotFound, no args,
    "Not found."."""
    response = requests.get(vc.url + path, headers={"vmware-api-session-id": wire.token})
    assert response.status_code == 404
    body = response.json()
    value = body["value"] if path.startswith("/rest") else body
    assert value == {
        "error_type": "NOT_FOUND",
        "messages": [
            {"id": "com.vmware.vapi.rest.httpNotFound", "default_message": "Not found.", "args": []}
        ],
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_wrong_password(vc, protocol):
    """The nagios-go-vcsa-health plugin's README (a login with a wrong password): 401
    UNAUTHENTICATED, com.vmware.vapi.endpoint.method.authentication.required, no args,
    "Authentication required." (the same as no login)."""
    answer = login(vc, protocol, password="wrong_pass")
    assert_answer(answer, protocol, *AUTHENTICATION_REQUIRED)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_pull_that_breaks(vc, wire, item, protocol):
    """https://github.com/aws/eks-anywhere/issues/1319 (a PULL that broke): the file and the
    session read "Error transferring file <name> to <ds:// destination>. Reason: Error during
    transfer of <destination>: <cause>"."""
    uri = "https://depot.example.com/bottlerocket.ova"
    vc.add_source(uri, size=10_000, rate=1000, fail_after=4000)
    session_id = wire.call(
        protocol, "update_session.create", create_spec={"library_item_id": item}
    ).result
    spec = {"name": "bottlerocket.ova", "source_type": "PULL", "source_endpoint": {"uri": uri}}
    assert wire.call(protocol, "file.add", update_session_id=session_id, file_spec=spec).status
    vc.clock.advance(5)
    library = vc.get_item(item)["library_id"]
    where = (
        f"ds:///vmfs/volumes/datastore-11/contentlib-{library}/{item}/bottlerocket.ova"
        f"?serverId={vc.get_library(library)['server_guid']}"
    )
    session = wire.call(protocol, "update_session.get", update_session_id=session_id).result
    assert session["state"] == "ERROR"
    assert session["error_message"] == {
        "id": CLS + "transfer_interrupted",
        "default_message": f"Error transferring file bottlerocket.ova to {where}. Reason: Error "
        f"during transfer of {where}: connection reset by peer",
        "args": ["bottlerocket.ova", where, "connection reset by peer"],
    }


def test_probe_of_a_source_that_does_not_answer(vc, wire):
    """govmomi's vcsim (vapi/simulator/simulator.go), modelled on vCenter: INVALID_URL with
    http_request_error, "HTTP request error: <error>"."""
    uri = "https://depot.example.com/missing.iso"
    response = requests.post(
        f"{vc.url}/rest/com/vmware/content/library/item/updatesession/file",
        params={"~action": "probe"},
        headers={"vmware-api-session-id": wire.token},
        json={"source_endpoint": {"uri": uri}},
    )
    reason = (  # an unregistered source, with fetching off: it says how to register it
        f"{uri} is not a registered source and this fake does not fetch real URLs; register "
        f"it with vc.add_source('{uri}', data) or a scenario's setup.sources, or let the fake "
        "fetch it (FakeVCenter(fetch=True), vcl-fake serve --fetch)"
    )
    assert response.json()["value"] == {
        "status": "INVALID_URL",
        "error_messages": [
            {
                "id": CLS + "http_request_error",
                "default_message": f"HTTP request error: {reason}",
                "args": [reason],
            }
        ],
    }


def test_the_official_sdk_reads_the_real_answers(vc, item):
    """The official SDK (JSON-RPC, its own converters) raises the sourced answers with their
    ids, args and texts intact: govmomi /2958, community.vmware's file_not_received, talos
    /8672."""
    from com.vmware.content.library.item.updatesession_client import File
    from com.vmware.content.library.item_client import UpdateSessionModel
    from com.vmware.content.library_client import ItemModel
    from com.vmware.vapi.std.errors_client import AlreadyExists, NotAllowedInCurrentState

    from vcl_fake.sdk import vsphere_client

    library = vc.get_item(item)["library_id"]
    with vsphere_client(vc) as client:
        with pytest.raises(AlreadyExists) as duplicate:
            client.content.library.Item.create(ItemModel(library_id=library, name="photon-5"))
        message = duplicate.value.messages[0]
        assert (message.id, message.args) == (
            CLS + "duplicate_item_name_unsupported_in_library",
            ["photon-5", "templates", library],
        )
        sessions = client.content.library.item.UpdateSession
        session_id = sessions.create(UpdateSessionModel(library_item_id=item))
        spec = File.AddSpec(name="fedora.ova", source_type=File.SourceType.PUSH)
        client.content.library.item.updatesession.File.add(session_id, spec)
        with pytest.raises(NotAllowedInCurrentState) as waiting:
            sessions.complete(session_id)
        message = waiting.value.messages[0]
        assert (message.id, message.default_message) == (
            CLS + "update_session_file_not_received",
            "File fedora.ova has transfer errors or has not been fully received yet (status: "
            "WAITING).",
        )
        sessions.fail(session_id, "Pipe closed")
        with pytest.raises(NotAllowedInCurrentState) as failed:
            sessions.complete(session_id)
        message = failed.value.messages[0]
        assert (message.id, message.args) == (
            CLS + "update_session_invalid_state_for_operation_reason",
            ["complete", "ERROR", "Pipe closed"],
        )
