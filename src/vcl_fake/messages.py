"""Every message text the fake emits, in one place: ``(message id, default message)``.

This is the catalog of what a real vCenter answers. The comment above each entry says where
its id, argument order and wording come from:

- ``# source:`` public evidence (an issue thread quoting a real body, a real body quoted in a
  project's sources, or the official bindings and vAPI runtime installed with the SDK), and
  which parts it covers;
- ``# unsourced:`` no public evidence was found; the id is in the same family
  (``com.vmware.vdcs.cls-main.*`` for the Content Library service, ``vapi.*`` for the vAPI
  runtime's input checks) and the text is worded like its sourced siblings. Every unsourced
  id is listed in ``docs/differences.md`` (a test keeps the two in step);
- ``# own:`` vcl_fake's own messages (scenarios, server mode), never a vCenter answer.

Placeholders are ``{0}``, ``{1}``... matching the message ``args``.
"""

from __future__ import annotations

CLS = "com.vmware.vdcs.cls-main."

# --- authentication (vAPI endpoint) --------------------------------------------------------
# source: real 401 bodies quoted in public code: the nagios-go-vcsa-health plugin's README
# (`{"type":"com.vmware.vapi.std.errors.unauthenticated","value":{"messages":[{"args":[],
# "default_message":"Authentication required.","id":"com.vmware.vapi.endpoint.method.
# authentication.required"}]}}`) and a PowerCLI script's logged Get-SpbmStoragePolicy error
# (same id and text, challenge `Basic realm="VAPI endpoint",SIGN realm=...`). Id, args (none),
# text.
AUTH_REQUIRED = (
    "com.vmware.vapi.endpoint.method.authentication.required",
    "Authentication required.",
)
# source: the nagios-go-vcsa-health plugin's README (its "Sample error" is a login with
# `--password=wrong_pass`: 401 UNAUTHENTICATED with the same message as AUTH_REQUIRED). A
# wrong user name or password is not told apart from a missing login.
BAD_CREDENTIALS = AUTH_REQUIRED

# own: a bug inside vcl_fake (the id is vAPI's standard error name).
INTERNAL_ERROR = (
    "com.vmware.vapi.std.errors.internal_server_error",
    "Internal error in vcl_fake: {0}.",
)

# --- routing and input checks (vAPI runtime) -----------------------------------------------
# source: a path no operation serves: a vCenter 9.1.1 probe noted in public docs
# ("`/api/appliance/bogus-xyz/nothing` returns `404 com.vmware.vapi.rest.httpNotFound`"), a
# PHP vCenter client's comment quoting `{"error_type": "NOT_FOUND", "messages": [{"args": [],
# "default_message": "Not found.", "id": "com.vmware.vapi.rest.httpNotFound"}]}`, and an
# Ansible httpapi plugin's test fixture (404, the same id and text). 404 NOT_FOUND, id, no
# args, text.
OPERATION_NOT_FOUND = ("com.vmware.vapi.rest.httpNotFound", "Not found.")
# unsourced: a known path with a method it does not serve.
METHOD_NOT_ALLOWED = (
    "com.vmware.vapi.rest.httpMethodNotAllowed",
    "Method {0} is not allowed on {1}; allowed: {2}.",
)
# unsourced: a body that is not JSON.
MALFORMED_JSON = ("vapi.json.read.invalid", "The request body is not valid JSON: {0}.")
# unsourced: a body that cannot be read.
BAD_CONTENT = ("vapi.json.read.invalid", "The request body could not be read: {0}.")
# source: the vAPI runtime's catalog (vmware-vapi-runtime, vmware/vapi/settings/
# runtime.properties: `Structure %s is missing a field "%s"`). Id, args (structure, field),
# text.
FIELD_MISSING = ("vapi.data.structure.field.missing", 'Structure {0} is missing a field "{1}"')
# source: the vAPI runtime's catalog (runtime.properties: `Found unexpected field "%s" in
# structure "%s"`; raised by vmware/vapi/bindings/skeleton.py). Id, text, the second arg.
# unsourced: the first arg is the field's path (the runtime gives the repr of the set of
# unexpected names).
FIELD_UNEXPECTED = (
    "vapi.data.structure.field.unexpected",
    'Found unexpected field "{0}" in structure "{1}"',
)
# source (id only): the vAPI runtime's catalog (`Type mismatch, expected an object of type %s,
# but got %s`). unsourced: the first arg, the field's path, which the runtime's text lacks.
TYPE_MISMATCH = (
    "vapi.data.validate.mismatch",
    'Type mismatch for "{0}": expected {1}, but got {2}.',
)
# source (id only): the vAPI runtime's catalog (`Invalid enum type= %s`). unsourced: the args
# (field path, value, allowed values) and the text.
ENUM_INVALID = (
    "vapi.bindings.typeconverter.enum.invalid.enum.type",
    'Invalid value {1} for "{0}": expected one of {2}.',
)
# source (id only): the vAPI runtime's catalog (`List contains duplicate element "%s". Cannot
# convert to a set`). unsourced: the first arg (the field's path) and the text.
SET_DUPLICATE = (
    "vapi.bindings.typeconverter.set.duplicate.element",
    '"{0}" contains duplicate element "{1}"; it is a set.',
)
# source (id only): the vAPI runtime's catalog (`Name mismatch for structure. Expected %s, but
# got %s`). unsourced: the first arg (the field's path) and the text.
STRUCTURE_NAME = (
    "vapi.data.structure.name.mismatch",
    'Name mismatch for structure "{0}". Expected {1}, but got {2}.',
)
# source: the vAPI runtime's catalog (runtime.properties). Id, args (structure, field), text.
UNION_MISSING = (
    "vapi.data.structure.union.missing",
    "Structure {0} has a union that is missing a required field for this case = {1}",
)
# source: the vAPI runtime's catalog (runtime.properties). Id, args (structure, field), text.
UNION_EXTRA = (
    "vapi.data.structure.union.extra",
    "Structure {0} has a union with a field not required for this case = {1}",
)
# unsourced: a required operation parameter is missing.
PARAMETER_MISSING = ("vapi.method.input.missing", 'Operation {0} is missing its parameter "{1}".')
# source (id only): the vAPI runtime's catalog. unsourced: the args and text for a field the
# docs mark "must be provided for the create method".
FIELD_REQUIRED_FOR = (
    "vapi.data.structure.field.missing",
    'Field "{0}" must be provided for the {1} operation.',
)
# source (id only): the vAPI runtime's catalog (`Invalid Type, expected %s, instead got %s`).
# unsourced: the args (field path, value, reason) and the text of a value out of range.
VALUE_OUT_OF_RANGE = ("vapi.data.invalid", 'Invalid value {1} for "{0}": {2}.')
# own: an operation the bindings define but vcl_fake does not model (OPERATION_NOT_FOUND).
NOT_MODELLED = (
    "vcl_fake.operation.not_modelled",
    "Operation {1} of service {0} is defined by the vSphere API but is not modelled by vcl_fake.",
)
# source: the vAPI runtime (vmware/vapi/provider/local.py answers an unknown service with
# OPERATION_NOT_FOUND `vapi.method.input.invalid.interface`, runtime.properties: `Invalid
# interface %s`). Id, args (service id), text.
UNKNOWN_SERVICE = ("vapi.method.input.invalid.interface", "Invalid interface {0}")
# source: the vAPI runtime (vmware/vapi/provider/local.py: an unknown operation of a known
# service is OPERATION_NOT_FOUND `vapi.method.input.invalid.method`, runtime.properties:
# `Invalid method %s`). Id, args (operation id), text.
UNKNOWN_OPERATION = ("vapi.method.input.invalid.method", "Invalid method {0}")

# --- content library ------------------------------------------------------------------------
# unsourced: library_id names no library.
LIBRARY_NOT_FOUND = (CLS + "library_not_found", "Library {0} not found.")
# unsourced: a LocalLibrary operation on a SUBSCRIBED library (INVALID_ELEMENT_TYPE, as the
# bindings' docstrings say).
LIBRARY_NOT_LOCAL = (
    CLS + "library_not_local",
    "Library {0} is a {1} library; the operation needs a LOCAL library.",
)
# unsourced: a SubscribedLibrary operation on a LOCAL library (INVALID_ELEMENT_TYPE).
LIBRARY_NOT_SUBSCRIBED = (
    CLS + "library_not_subscribed",
    "Library {0} is a {1} library; the operation needs a SUBSCRIBED library.",
)
# unsourced: an update whose version is not the library's current one.
LIBRARY_VERSION_MISMATCH = (
    CLS + "library_version_mismatch",
    "Library {0} has changed: version {1} is not its current version.",
)
# unsourced: a find spec that sets nothing.
FIND_SPEC_EMPTY = (CLS + "find_spec_empty", "The {0} find spec sets no property to search by.")
# unsourced: publish_info.user_name other than vcsp.
PUBLISH_USER_NAME = (
    CLS + "publish_user_name_invalid",
    "The user name of a published library is vcsp, not {0}.",
)
# unsourced: BASIC publishing without a password.
PUBLISH_PASSWORD_MISSING = (
    CLS + "publish_password_missing",
    "Library {0}: BASIC authentication needs a non-empty password.",
)
# unsourced: a change to a BASIC publication without current_password.
PUBLISH_CURRENT_PASSWORD_MISSING = (
    CLS + "publish_current_password_missing",
    "Library {0} is published with BASIC authentication: give its current_password to change "
    "the password, turn authentication off or unpublish it.",
)
# unsourced: a current_password that does not match.
PUBLISH_PASSWORD_MISMATCH = (
    CLS + "publish_current_password_mismatch",
    "The current password given for published library {0} does not match.",
)
# unsourced: an empty library name (the bindings' LibraryModel.name: "Library names cannot be
# undefined or an empty string").
LIBRARY_NAME_MISSING = (CLS + "library_name_missing", "A library needs a name.")
# unsourced: more than one storage backing (the bindings' LocalLibrary.create: Unsupported "if
# using multiple storage backings").
LIBRARY_BACKINGS_UNSUPPORTED = (
    CLS + "library_multiple_storage_backings_unsupported",
    "Operation is not supported since the library has {0} storage backings; only one is supported.",
)
# source: https://github.com/aws/eks-anywhere/issues/1488 (govc library.import into a library
# whose storage was lost: 400 NOT_ALLOWED_IN_CURRENT_STATE, args [library name, library id]).
# Id, args, text. (The bindings' Item.create and File.add refuse when the library's content
# "has been deleted from the storage backings".)
LIBRARY_BACKING_LOST = (
    CLS + "invalid_library_backing_does_not_exist",
    "Cannot find the storage backing of library {0} (ID: {1}). This error may occur due to "
    "restore of a deleted library.",
)
# unsourced: deleting a library whose item has an ACTIVE update session.
LIBRARY_NOT_EMPTY = (
    CLS + "library_has_active_sessions",
    "Library {0} has item {1} with an active update session.",
)
# unsourced: library_item_id names no item.
ITEM_NOT_FOUND = (CLS + "library_item_not_found", "Library item {0} not found.")
# source: https://github.com/vmware/govmomi/issues/2958 (a real /rest answer to item create:
# 400 ALREADY_EXISTS, args [item name, library name, library id]). Id, args, text.
ITEM_NAME_EXISTS = (
    CLS + "duplicate_item_name_unsupported_in_library",
    "Operation is not supported since a library item with the name {0} exists in the "
    "library '{1}' (ID: {2}).",
)
# unsourced: an empty item name (the bindings' Item.create and Item.update).
ITEM_NAME_EMPTY = (CLS + "library_item_name_empty", "A library item needs a non-empty name.")
# unsourced: an item name longer than 80 characters (the bindings' Item.create and update).
ITEM_NAME_TOO_LONG = (
    CLS + "library_item_name_too_long",
    "The library item name has {0} characters; at most {1} are allowed.",
)
# unsourced: an item description longer than 2000 characters (the bindings' Item.create).
ITEM_DESCRIPTION_TOO_LONG = (
    CLS + "library_item_description_too_long",
    "The library item description has {0} characters; at most {1} are allowed.",
)
# unsourced: an item update whose version is not the item's current one.
ITEM_VERSION_MISMATCH = (
    CLS + "library_item_version_mismatch",
    "Library item {0} has changed: version {1} is not its current version.",
)
# unsourced: updating an item of a SUBSCRIBED library (the bindings' Item.update).
ITEM_NOT_UPDATABLE = (
    CLS + "library_item_subscribed",
    "Library item {0} belongs to SUBSCRIBED library {1}; update it in its published library.",
)
# unsourced: deleting an item of a SUBSCRIBED library (the bindings' Item.delete).
ITEM_SUBSCRIBED = (
    CLS + "library_item_in_subscribed_library",
    "Library item {0} belongs to SUBSCRIBED library {1}; it can be changed only in its "
    "published library.",
)
# unsourced: deleting an item while an update session on it is ACTIVE.
ITEM_BUSY_DELETE = (
    CLS + "library_item_has_active_session",
    "Library item {0} cannot be deleted while update session {1} is active.",
)
# unsourced: Item.File.get of a name the item does not have.
ITEM_FILE_NOT_FOUND = (
    CLS + "library_item_file_not_found",
    "File {1} not found in library item {0}.",
)

# --- update sessions ------------------------------------------------------------------------
# unsourced: update_session_id names no session (or one that expired).
SESSION_NOT_FOUND = (CLS + "update_session_not_found", "Update session {0} not found.")
# unsourced: a second session on an item whose session is ACTIVE (RESOURCE_BUSY).
SESSION_ITEM_BUSY = (
    CLS + "update_session_item_busy",
    "Library item {0} already has an active update session {1}.",
)
# unsourced: an update session on an item of a SUBSCRIBED library (INVALID_ELEMENT_TYPE).
SESSION_ITEM_SUBSCRIBED = (
    CLS + "update_session_subscribed_item",
    "Library item {0} belongs to SUBSCRIBED library {1}; only items of LOCAL libraries "
    "can be updated.",
)
# source (text): https://github.com/hashicorp/packer/issues/12622 ("Update session creation
# is not supported for library item 'nats-rhel9-template' (ID: a898643f-...) because it
# contains a virtual machine template."); args [item name, item id] follow the text.
# unsourced: the id and the error type (INVALID_ELEMENT_TYPE).
SESSION_VM_TEMPLATE = (
    CLS + "update_session_creation_unsupported_for_vm_template",
    "Update session creation is not supported for library item '{0}' (ID: {1}) because it "
    "contains a virtual machine template.",
)
# source: https://github.com/siderolabs/talos/issues/8672, /7651, /7663 and
# https://github.com/vmware/govmomi/issues/3319 (complete on a session in ERROR, 400
# NOT_ALLOWED_IN_CURRENT_STATE, args ["complete", "ERROR", <the session's error text>]). Id,
# args, text.
SESSION_COMPLETE_IN_ERROR = (
    CLS + "update_session_invalid_state_for_operation_reason",
    "The operation {0} can not be invoked when the import session is in the {1} state. Reason: {2}",
)
# unsourced: the same refusal for a session without an error message (DONE, CANCELED, or
# delete while ACTIVE); id and text are the sourced entry's without the reason.
SESSION_NOT_ACTIVE = (
    CLS + "update_session_invalid_state_for_operation",
    "The operation {0} can not be invoked when the import session is in the {1} state.",
)
# unsourced: an operation refused while a deferred complete waits for PULL transfers.
SESSION_COMPLETING = (
    CLS + "update_session_completing",
    "The operation {0} can not be invoked while the import session {1} is completing.",
)
# unsourced: a client token that is not a UUID (the bindings: InvalidArgument "if the
# client_token does not conform to the UUID format").
CLIENT_TOKEN_INVALID = (
    CLS + "client_token_invalid",
    "Client token {0} is not a UUID.",
)
# unsourced: a client token already used to create a session for another item.
CLIENT_TOKEN_REUSED = (
    CLS + "client_token_reused",
    "Client token {0} was already used to create update session {1} for library item {2}.",
)
# unsourced (id): the session's error message after fail; the text is the client's own (the
# bindings: "the message won't be translated").
CLIENT_FAILED = (CLS + "update_session_client_failed", "{0}")

# --- session files and uploads --------------------------------------------------------------
# unsourced: a file name that is not a plain name.
FILE_NAME_INVALID = (
    CLS + "update_session_file_name_invalid",
    "File name {0!r} is not a plain file name: {1}.",
)
# unsourced: File.get/remove of a name the session does not have (INVALID_ARGUMENT, as the
# bindings say).
FILE_NOT_IN_SESSION = (
    CLS + "update_session_file_not_found",
    "File {1} is not part of update session {0}.",
)
# unsourced: a negative size in File.AddSpec.
FILE_SIZE_NEGATIVE = (CLS + "update_session_file_size_invalid", "File {0} has a negative size {1}.")
# unsourced: a checksum that is not a digest of its algorithm.
CHECKSUM_INVALID = (
    CLS + "update_session_file_checksum_invalid",
    "Checksum {1} of file {0} is not a {2} digest ({3} hexadecimal digits).",
)
# source: ansible-collections/community.vmware plugins/modules/vmware_content_library_item.py
# (a comment quoting complete on a session whose PUSH file was never sent:
# NOT_ALLOWED_IN_CURRENT_STATE, args [<file name>, "WAITING"]). Id, args, text; the status
# arg is "WAITING" for a file in WAITING_FOR_TRANSFER.
FILE_NOT_RECEIVED = (
    CLS + "update_session_file_not_received",
    "File {0} has transfer errors or has not been fully received yet (status: {1}).",
)
# unsourced: a transfer that brought another size than File.AddSpec declared.
SIZE_MISMATCH = (
    CLS + "update_session_file_size_mismatch",
    "File {0}: expected {1} bytes but received {2}.",
)
# unsourced: a transfer whose digest differs from File.AddSpec's checksum.
CHECKSUM_MISMATCH = (
    CLS + "update_session_file_checksum_mismatch",
    "File {0}: expected {1} checksum {2} but the received data has {3}.",
)
# unsourced: an upload to an unknown or dead upload URL.
UPLOAD_NOT_FOUND = (
    CLS + "transfer_endpoint_not_found",
    "No upload is expected at {0}: the URL is unknown or its update session has ended.",
)
# unsourced: a transfer URL asked with a method that is neither an upload's nor a download's.
UPLOAD_METHOD = (
    CLS + "transfer_endpoint_method",
    "Transfer URLs accept PUT or POST (uploads), GET or HEAD (downloads), not {0}.",
)

# --- download sessions and downloads --------------------------------------------------------
# unsourced: download_session_id names no session (or one that expired).
DOWNLOAD_SESSION_NOT_FOUND = (
    CLS + "download_session_not_found",
    "Download session {0} not found.",
)
# unsourced: the update session's refusal, worded for a download session (args: operation,
# state).
DOWNLOAD_SESSION_NOT_ACTIVE = (
    CLS + "download_session_invalid_state_for_operation",
    "The operation {0} can not be invoked when the download session is in the {1} state.",
)
# unsourced: the same with the session's error text as the reason (a failed session).
DOWNLOAD_SESSION_NOT_ACTIVE_BECAUSE = (
    CLS + "download_session_invalid_state_for_operation_reason",
    "The operation {0} can not be invoked when the download session is in the {1} state. "
    "Reason: {2}",
)
# unsourced: a client token already used to create a download session for another item.
DOWNLOAD_TOKEN_REUSED = (
    CLS + "client_token_reused",
    "Client token {0} was already used to create download session {1} for library item {2}.",
)
# unsourced (id): the session's error message after fail; the text is the client's own.
DOWNLOAD_CLIENT_FAILED = (CLS + "download_session_client_failed", "{0}")
# unsourced: file_name names no file of the download session (the bindings: InvalidArgument).
DOWNLOAD_FILE_NOT_FOUND = (
    CLS + "download_session_file_not_found",
    "File {1} is not part of download session {0}.",
)
# unsourced: a DIRECT endpoint asked without ContentLibrary.ReadStorage (the bindings:
# Unauthorized); the fake grants that privilege to no one.
DOWNLOAD_DIRECT_REFUSED = (
    CLS + "download_session_direct_endpoint_unauthorized",
    "Download session {0} was not created with the ContentLibrary.ReadStorage privilege, so "
    "file {1} cannot get a DIRECT endpoint (the fake grants that privilege to no one; ask "
    "for HTTPS).",
)
# own: a file whose bytes the fake did not keep (a vCenter always has them).
CONTENT_NOT_KEPT = (
    CLS + "download_session_file_not_cached",
    "The fake holds no bytes of file {0}: it keeps only digests (keep_content=False), or the "
    "file was seeded without data; it cannot be downloaded.",
)
# unsourced: prepare in a session that is not ACTIVE (prepare documents no state error, so
# the file's info says it).
PREPARE_SESSION_ENDED = (
    CLS + "download_session_file_prepare_failed",
    "File {0} cannot be prepared: download session {1} is {2}.",
)
# unsourced: a download URL that is unknown or dead (the upload URL's id).
DOWNLOAD_NOT_FOUND = (
    CLS + "transfer_endpoint_not_found",
    "Nothing can be downloaded at {0}: the URL is unknown, or its session or file is gone.",
)
# unsourced: a Range that starts past the end of the file (answered 416).
RANGE_NOT_SATISFIABLE = (
    CLS + "transfer_range_not_satisfiable",
    "Range {0} is not satisfiable: file {1} has {2} bytes.",
)
# unsourced: an upload overtaken by a later upload to the same URL (vcl_fake's choice).
UPLOAD_SUPERSEDED = (
    CLS + "transfer_superseded",
    "The upload to {0} was superseded by a later upload to the same URL; its bytes are dropped.",
)

# --- PULL transfers ---------------------------------------------------------------------------
# source (second-hand): govmomi's vcsim, vapi/simulator/simulator.go (its probe answers
# `com.vmware.vdcs.cls-main.http_request_error`, "HTTP request error: %s", args [<error>]),
# modelled on vCenter. Id, args, text.
HTTP_REQUEST_ERROR = (CLS + "http_request_error", "HTTP request error: {0}")
# source (second-hand): govmomi's vcsim, vapi/simulator/simulator.go (an untrusted
# certificate: `...http_request_error_peer_not_authenticated`, "HTTP request error: %s"). The
# arg here is the TLS failure.
PEER_NOT_AUTHENTICATED = (
    CLS + "http_request_error_peer_not_authenticated",
    "HTTP request error: peer not authenticated: {0}",
)
# unsourced: a thumbprint or certificate that does not match the source's.
SSL_CERTIFICATE_MISMATCH = (
    CLS + "ssl_certificate_mismatch",
    "The SSL certificate of {0} does not match the expected {1}.",
)
# unsourced: a ds:// source that does not exist; the text adds how to register one.
DATASTORE_FILE_NOT_FOUND = (
    CLS + "datastore_file_not_found",
    "File {0} was not found on the datastore: it is not a registered source; register it "
    "with vc.add_source({0!r}, data) or a scenario's setup.sources.",
)
# own: why an http(s) source that is neither registered nor fetched fails (the reason an
# HTTP_REQUEST_ERROR carries).
SOURCE_NOT_REGISTERED = (
    "vcl_fake.source_not_registered",
    "{0} is not a registered source and this fake does not fetch real URLs; register it "
    "with vc.add_source({0!r}, data) or a scenario's setup.sources, or let the fake fetch it "
    "(FakeVCenter(fetch=True), vcl-fake serve --fetch)",
)
# own: why a real fetch the fake's policy refuses fails (the reason an HTTP_REQUEST_ERROR
# carries).
FETCH_NOT_LOOPBACK = (
    "vcl_fake.fetch_not_loopback",
    "{0}: this fake fetches from loopback hosts only and {1} is not one "
    "(FakeVCenter(fetch='any') or vcl-fake serve --fetch any lifts that)",
)
# source (text): https://github.com/aws/eks-anywhere/issues/1319 (a PULL that broke: "Error
# transferring file <name> to <ds:// destination>. Reason: Error during transfer of <ds://
# destination>: ..."). Args [name, destination, cause] follow the text. unsourced: the id.
TRANSFER_INTERRUPTED = (
    CLS + "transfer_interrupted",
    "Error transferring file {0} to {1}. Reason: Error during transfer of {1}: {2}",
)
# source (second-hand): govmomi's vcsim, vapi/simulator/simulator.go (`...file_probe_
# unsupported_uri_scheme`, "The specified URI %s is not supported", args [<uri>]). Id, args,
# text (no final period).
URI_SCHEME_UNSUPPORTED = (
    CLS + "file_probe_unsupported_uri_scheme",
    "The specified URI {0} is not supported",
)
# source (second-hand): govmomi's vcsim, vapi/simulator/simulator.go (a URI that does not
# parse: `...invalid_url_format`, "Invalid URL format for %s", args [<uri>]).
INVALID_URL_FORMAT = (CLS + "invalid_url_format", "Invalid URL format for {0}")

# --- OVF packages -------------------------------------------------------------------------------
# unsourced: a manifest or certificate added after the descriptor (the condition is the
# bindings' File.add docstring).
METADATA_AFTER_DESCRIPTOR = (
    CLS + "update_session_metadata_after_descriptor",
    "File {0} must be added before the OVF descriptor {1}.",
)
# unsourced: a malformed descriptor, manifest or OVA.
PACKAGE_INVALID = (CLS + "ovf_package_invalid", "File {0} is not a valid OVF package part: {1}")
# unsourced: a file whose digest contradicts the manifest.
MANIFEST_MISMATCH = (
    CLS + "ovf_manifest_digest_mismatch",
    "File {0}: the manifest {1} says {2} but the received data has {3}.",
)
# unsourced: a manifest digest that cannot be checked.
MANIFEST_UNVERIFIABLE = (
    CLS + "ovf_manifest_digest_unverifiable",
    "File {0}: its {1} digest cannot be checked against the manifest.",
)
# source: https://github.com/ansible-collections/vmware.vmware/issues/257 (complete on a
# session with an invalid file: NOT_ALLOWED_IN_CURRENT_STATE, args ['', 'oel9_telecom_vmware_
# template.nvram '], "Session has missing file(s):  or invalid file(s): oel9_telecom_vmware_
# template.nvram ."). Id, args, text; each arg is the file names, each followed by a space.
VALIDATION_FAILED = (
    CLS + "session_has_missing_or_invalid_files",
    "Session has missing file(s): {0} or invalid file(s): {1}.",
)

# --- preview and signed packages -----------------------------------------------------------------
# source: https://github.com/vmware/vsphere-automation-sdk-java/issues/78 (a real session's
# preview_info: SELF_SIGNED_CERTIFICATE with `com.vmware.vdcs.vsphere-cs-lib.
# CERTIFICATE_SELF_SIGNED`, args [], "The certificate is self-signed."). Id, args, text.
WARNING_SELF_SIGNED = (
    "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_SELF_SIGNED",
    "The certificate is self-signed.",
)
# unsourced: preview warning EXPIRED_CERTIFICATE, worded like its sourced siblings.
WARNING_EXPIRED = (
    "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_EXPIRED",
    "The certificate has expired.",
)
# unsourced: preview warning NOT_YET_VALID_CERTIFICATE, worded like its sourced siblings.
WARNING_NOT_YET_VALID = (
    "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_NOT_YET_VALID",
    "The certificate is not yet valid.",
)
# source: https://github.com/vmware/vsphere-automation-sdk-java/issues/78 (UNTRUSTED_CERTIFICATE
# with `com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_UNTRUSTED`, args [], "The certificate is not
# trusted."). Id, args, text.
WARNING_UNTRUSTED = (
    "com.vmware.vdcs.vsphere-cs-lib.CERTIFICATE_UNTRUSTED",
    "The certificate is not trusted.",
)
# unsourced: a signature that does not verify over the manifest.
SIGNATURE_INVALID = (
    CLS + "ovf_signature_invalid",
    "The signature in {0} does not verify over the manifest {1} with the certificate {2}.",
)
# unsourced: complete with preview warnings that were not ignored.
PREVIEW_WARNINGS = (
    CLS + "update_session_preview_warnings",
    "The update session has preview warnings that were not ignored: {0}.",
)

# --- scenarios --------------------------------------------------------------------------------
# own: an error a scenario rule scripts (its type, id and text are the rule's).
SCRIPTED_ERROR = ("com.vmware.vapi.std.errors.{0}", "Scripted {0} (scenario rule {1!r}).")
# own: a session failure a scenario rule scripts.
SCRIPTED_FAILURE = (CLS + "update_session_failed", "{0}")
# own: a preview warning a scenario rule scripts.
SCRIPTED_WARNING = (CLS + "ovf_preview_warning", "Preview warning {0} (scripted by the scenario).")
# source (text): https://github.com/siderolabs/talos/issues/8672, /7651 and
# https://github.com/vmware/govmomi/issues/3319 (a PUSH whose connection broke: "Error
# transferring file <name> to <ds:// destination>. Reason: IO error during transfer of <ds://
# destination>: Pipe closed"). Args [name, destination, cause] follow the text. unsourced: the
# id. (A scenario rule breaks a PUSH this way.)
TRANSFER_ABORTED = (
    CLS + "transfer_interrupted",
    "Error transferring file {0} to {1}. Reason: IO error during transfer of {1}: {2}",
)

# --- server mode ------------------------------------------------------------------------------
# own: the control API refuses a remote client.
CONTROL_LOOPBACK_ONLY = (
    "vcl_fake.control.loopback_only",
    "The control API answers loopback clients only, not {0}.",
)
# own: a malformed HTTP request to the served fake.
HTTP_REQUEST_REFUSED = ("vcl_fake.server.request_refused", "HTTP {0}: {1}.")
# own: a control API request without the server's token.
CONTROL_TOKEN = (
    "vcl_fake.control.token",
    "The control API needs the server's token in the vcl-fake-token header (printed at start).",
)
# own: a path the control API does not serve.
CONTROL_NOT_FOUND = ("vcl_fake.control.not_found", "No control operation at {0} {1}.")
# own: a malformed control API request.
CONTROL_BAD_REQUEST = ("vcl_fake.control.bad_request", "The control request is not valid: {0}")

# --- the vCenter inventory -----------------------------------------------------------------------
# unsourced: vcenter.Datastore.get of an unknown id (id, args and text).
DATASTORE_NOT_FOUND = ("com.vmware.vapi.std.errors.not_found", "Datastore {0} was not found.")
# unsourced: vcenter.Datacenter.get and ResourcePool.get of an unknown id (id, args, text).
VCENTER_OBJECT_NOT_FOUND = ("com.vmware.vapi.std.errors.not_found", "{0} {1} was not found.")
# unsourced: a library's storage backing names a datastore that does not exist (id, text).
BACKING_DATASTORE_NOT_FOUND = (
    CLS + "storage_backing_datastore_not_found",
    "The storage backing names datastore {0}, which does not exist.",
)
# unsourced: a DATASTORE storage backing without a datastore_id (id, text).
BACKING_DATASTORE_MISSING = (
    CLS + "storage_backing_datastore_missing",
    "Storage backing {0} is of type DATASTORE but names no datastore_id.",
)
# unsourced: a file that does not fit in its datastore's free space (id, args, text).
DATASTORE_FULL = (
    CLS + "datastore_insufficient_space",
    "Failed to transfer {0}: insufficient disk space on datastore '{1}' "
    "({2} bytes needed, {3} bytes free).",
)
