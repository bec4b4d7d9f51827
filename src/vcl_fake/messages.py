"""Every message text the fake emits, in one place: ``(message id, default message)``.

Ids that real servers are known to send are used as they are (``com.vmware.vdcs.cls-main.*``
for the Content Library service, ``vapi.*`` for the vAPI runtime's input checks); where the
real id is not public, an id in the same namespace is chosen and listed in
``docs/differences.md``. Placeholders are ``{0}``, ``{1}``... matching the message ``args``.
"""

from __future__ import annotations

CLS = "com.vmware.vdcs.cls-main."

# --- authentication (vAPI endpoint) --------------------------------------------------------
AUTH_REQUIRED = (
    "com.vmware.vapi.endpoint.method.authentication.required",
    "Authentication required.",
)
BAD_CREDENTIALS = (
    "com.vmware.vapi.endpoint.authentication.failed",
    "Authentication failed: wrong user name or password for {0}.",
)

INTERNAL_ERROR = (
    "com.vmware.vapi.std.errors.internal_server_error",
    "Internal error in vcl_fake: {0}.",
)

# --- routing and input checks (vAPI runtime) -----------------------------------------------
OPERATION_NOT_FOUND = ("com.vmware.vapi.rest.httpNotFound", "Not found: no operation at {0} {1}.")
METHOD_NOT_ALLOWED = (
    "com.vmware.vapi.rest.httpMethodNotAllowed",
    "Method {0} is not allowed on {1}; allowed: {2}.",
)
MALFORMED_JSON = ("vapi.json.read.invalid", "The request body is not valid JSON: {0}.")
BAD_CONTENT = ("vapi.json.read.invalid", "The request body could not be read: {0}.")
FIELD_MISSING = ("vapi.data.structure.field.missing", 'Structure {0} is missing a field "{1}".')
FIELD_UNEXPECTED = (
    "vapi.data.structure.field.unexpected",
    'Found unexpected field "{0}" in structure "{1}".',
)
TYPE_MISMATCH = (
    "vapi.data.validate.mismatch",
    'Type mismatch for "{0}": expected {1}, but got {2}.',
)
ENUM_INVALID = (
    "vapi.bindings.typeconverter.enum.invalid.enum.type",
    'Invalid value {1} for "{0}": expected one of {2}.',
)
SET_DUPLICATE = (
    "vapi.bindings.typeconverter.set.duplicate.element",
    '"{0}" contains duplicate element "{1}"; it is a set.',
)
STRUCTURE_NAME = (
    "vapi.data.structure.name.mismatch",
    'Name mismatch for structure "{0}". Expected {1}, but got {2}.',
)
UNION_MISSING = (
    "vapi.data.structure.union.missing",
    "Structure {0} has a union that is missing a required field for this case = {1}.",
)
UNION_EXTRA = (
    "vapi.data.structure.union.extra",
    "Structure {0} has a union with a field not required for this case = {1}.",
)
PARAMETER_MISSING = ("vapi.method.input.missing", 'Operation {0} is missing its parameter "{1}".')
FIELD_REQUIRED_FOR = (
    "vapi.data.structure.field.missing",
    'Field "{0}" must be provided for the {1} operation.',
)
VALUE_OUT_OF_RANGE = ("vapi.data.invalid", 'Invalid value {1} for "{0}": {2}.')

NOT_MODELLED = (
    "vcl_fake.operation.not_modelled",
    "Operation {1} of service {0} is defined by the vSphere API but is not modelled by vcl_fake.",
)
UNKNOWN_OPERATION = (
    "vapi.method.input.invalid.method",
    "Operation {1} of service {0} is not known to this server.",
)

# --- content library ------------------------------------------------------------------------
LIBRARY_NOT_FOUND = (CLS + "library_not_found", "Library {0} not found.")
LIBRARY_NOT_LOCAL = (
    CLS + "library_not_local",
    "Library {0} is a {1} library; the operation needs a LOCAL library.",
)
LIBRARY_NAME_MISSING = (CLS + "library_name_missing", "A library needs a name.")
LIBRARY_NOT_SUBSCRIBED = (
    CLS + "library_not_subscribed",
    "Library {0} is a {1} library; the operation needs a SUBSCRIBED library.",
)
LIBRARY_VERSION_MISMATCH = (
    CLS + "library_version_mismatch",
    "Library {0} has changed: version {1} is not its current version.",
)
FIND_SPEC_EMPTY = (CLS + "find_spec_empty", "The {0} find spec sets no property to search by.")
PUBLISH_USER_NAME = (
    CLS + "publish_user_name_invalid",
    "The user name of a published library is vcsp, not {0}.",
)
PUBLISH_PASSWORD_MISSING = (
    CLS + "publish_password_missing",
    "Library {0}: BASIC authentication needs a non-empty password.",
)
PUBLISH_CURRENT_PASSWORD_MISSING = (
    CLS + "publish_current_password_missing",
    "Library {0} is published with BASIC authentication: give its current_password to change "
    "the password, turn authentication off or unpublish it.",
)
PUBLISH_PASSWORD_MISMATCH = (
    CLS + "publish_current_password_mismatch",
    "The current password given for published library {0} does not match.",
)
LIBRARY_NAME_EXISTS = (CLS + "library_name_exists", "A library named {0} already exists.")
LIBRARY_NOT_EMPTY = (
    CLS + "library_has_active_sessions",
    "Library {0} has item {1} with an active update session.",
)
ITEM_NOT_FOUND = (CLS + "library_item_not_found", "Library item {0} not found.")
ITEM_NAME_EXISTS = (
    CLS + "library_item_name_exists",
    "An item named {0} already exists in library {1}.",
)
ITEM_NAME_EMPTY = (CLS + "library_item_name_empty", "A library item needs a non-empty name.")
ITEM_NAME_TOO_LONG = (
    CLS + "library_item_name_too_long",
    "The library item name has {0} characters; at most {1} are allowed.",
)
ITEM_DESCRIPTION_TOO_LONG = (
    CLS + "library_item_description_too_long",
    "The library item description has {0} characters; at most {1} are allowed.",
)
ITEM_VERSION_MISMATCH = (
    CLS + "library_item_version_mismatch",
    "Library item {0} has changed: version {1} is not its current version.",
)
ITEM_NOT_UPDATABLE = (
    CLS + "library_item_subscribed",
    "Library item {0} belongs to SUBSCRIBED library {1}; update it in its published library.",
)
ITEM_BUSY_DELETE = (
    CLS + "library_item_has_active_session",
    "Library item {0} cannot be deleted while update session {1} is active.",
)
ITEM_FILE_NOT_FOUND = (
    CLS + "library_item_file_not_found",
    "File {1} not found in library item {0}.",
)

# --- update sessions ------------------------------------------------------------------------
SESSION_NOT_FOUND = (CLS + "update_session_not_found", "Update session {0} not found.")
SESSION_ITEM_BUSY = (
    CLS + "update_session_item_busy",
    "Library item {0} already has an active update session {1}.",
)
SESSION_ITEM_SUBSCRIBED = (
    CLS + "update_session_subscribed_item",
    "Library item {0} belongs to SUBSCRIBED library {1}; only items of LOCAL libraries "
    "can be updated.",
)
SESSION_NOT_ACTIVE = (
    CLS + "update_session_invalid_state",
    "Operation {0} is not allowed on update session {1} in state {2}.",
)
SESSION_COMPLETING = (
    CLS + "update_session_completing",
    "Operation {0} is not allowed on update session {1}: it is completing (transfers still run).",
)
SESSION_DELETE_ACTIVE = (
    CLS + "update_session_delete_active",
    "Update session {0} is ACTIVE; cancel, fail or complete it before deleting it.",
)
SESSION_COMPLETE_IN_ERROR = (
    CLS + "update_session_complete_error",
    "Operation {0} is not allowed in state {1}: {2}",
)
CLIENT_TOKEN_INVALID = (
    CLS + "client_token_invalid",
    "Client token {0} is not a UUID.",
)
CLIENT_TOKEN_REUSED = (
    CLS + "client_token_reused",
    "Client token {0} was already used to create update session {1} for library item {2}.",
)
CLIENT_FAILED = (CLS + "update_session_client_failed", "{0}")

# --- session files and uploads --------------------------------------------------------------
FILE_NAME_INVALID = (
    CLS + "update_session_file_name_invalid",
    "File name {0!r} is not a plain file name: {1}.",
)
FILE_NOT_IN_SESSION = (
    CLS + "update_session_file_not_found",
    "File {1} is not part of update session {0}.",
)
FILE_SIZE_NEGATIVE = (CLS + "update_session_file_size_invalid", "File {0} has a negative size {1}.")
CHECKSUM_INVALID = (
    CLS + "update_session_file_checksum_invalid",
    "Checksum {1} of file {0} is not a {2} digest ({3} hexadecimal digits).",
)
FILE_NOT_RECEIVED = (
    CLS + "update_session_file_not_received",
    "File {0} has transfer errors or has not been fully received yet (status: {1}).",
)
SIZE_MISMATCH = (
    CLS + "update_session_file_size_mismatch",
    "File {0}: expected {1} bytes but received {2}.",
)
CHECKSUM_MISMATCH = (
    CLS + "update_session_file_checksum_mismatch",
    "File {0}: expected {1} checksum {2} but the received data has {3}.",
)
UPLOAD_NOT_FOUND = (
    CLS + "transfer_endpoint_not_found",
    "No upload is expected at {0}: the URL is unknown or its update session has ended.",
)
UPLOAD_METHOD = (CLS + "transfer_endpoint_method", "Upload URLs accept PUT or POST, not {0}.")

# --- PULL transfers ---------------------------------------------------------------------------
HTTP_REQUEST_ERROR = (CLS + "http_request_error", "HTTP request error: {0}")
PEER_NOT_AUTHENTICATED = (
    CLS + "http_request_error_peer_not_authenticated",
    "HTTP request error: peer not authenticated: {0}",
)
SSL_CERTIFICATE_MISMATCH = (
    CLS + "ssl_certificate_mismatch",
    "The SSL certificate of {0} does not match the expected {1}.",
)
DATASTORE_FILE_NOT_FOUND = (
    CLS + "datastore_file_not_found",
    "File {0} was not found on the datastore.",
)
TRANSFER_INTERRUPTED = (
    CLS + "transfer_interrupted",
    "Transfer of {0} from {1} failed after {2} bytes: {3}",
)
URI_SCHEME_UNSUPPORTED = (
    CLS + "file_probe_unsupported_uri_scheme",
    "The specified URI {0} is not supported.",
)

# --- OVF packages -------------------------------------------------------------------------------
METADATA_AFTER_DESCRIPTOR = (
    CLS + "update_session_metadata_after_descriptor",
    "File {0} must be added before the OVF descriptor {1}.",
)
PACKAGE_INVALID = (CLS + "ovf_package_invalid", "File {0} is not a valid OVF package part: {1}")
MANIFEST_MISMATCH = (
    CLS + "ovf_manifest_digest_mismatch",
    "File {0}: the manifest {1} says {2} but the received data has {3}.",
)
MANIFEST_UNVERIFIABLE = (
    CLS + "ovf_manifest_digest_unverifiable",
    "File {0}: its {1} digest cannot be checked against the manifest.",
)
VALIDATION_FAILED = (
    CLS + "update_session_validation_failed",
    "The update session's files do not validate: missing {0}; invalid {1}.",
)

# --- preview and signed packages -----------------------------------------------------------------
WARNING_SELF_SIGNED = (
    CLS + "ovf_certificate_self_signed",
    "The certificate {0} that signed the package is self-signed (valid from {1} to {2}).",
)
WARNING_EXPIRED = (
    CLS + "ovf_certificate_expired",
    "The certificate {0} that signed the package expired: it was valid from {1} to {2}.",
)
WARNING_NOT_YET_VALID = (
    CLS + "ovf_certificate_not_yet_valid",
    "The certificate {0} that signed the package is not valid yet: it is valid from {1} to {2}.",
)
WARNING_UNTRUSTED = (
    CLS + "ovf_certificate_untrusted",
    "The certificate {0} (issued by {1}, valid from {2} to {3}) that signed the package does "
    "not chain to a trusted root certificate.",
)
SIGNATURE_INVALID = (
    CLS + "ovf_signature_invalid",
    "The signature in {0} does not verify over the manifest {1} with the certificate {2}.",
)
PREVIEW_WARNINGS = (
    CLS + "update_session_preview_warnings",
    "The update session has preview warnings that were not ignored: {0}.",
)

# --- scenarios --------------------------------------------------------------------------------
SCRIPTED_ERROR = ("com.vmware.vapi.std.errors.{0}", "Scripted {0} (scenario rule {1!r}).")
SCRIPTED_FAILURE = (CLS + "update_session_failed", "{0}")
SCRIPTED_WARNING = (CLS + "ovf_preview_warning", "Preview warning {0} (scripted by the scenario).")
TRANSFER_ABORTED = (CLS + "transfer_interrupted", "Transfer of {0} failed after {1} bytes: {2}")

# --- server mode ------------------------------------------------------------------------------
CONTROL_LOOPBACK_ONLY = (
    "vcl_fake.control.loopback_only",
    "The control API answers loopback clients only, not {0}.",
)
HTTP_REQUEST_REFUSED = ("vcl_fake.server.request_refused", "HTTP {0}: {1}.")
CONTROL_BAD_REQUEST = ("vcl_fake.control.bad_request", "The control request is not valid: {0}")
