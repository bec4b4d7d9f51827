"""The coverage table in docs/coverage.md, generated from the operation table
(``vcl-fake contract coverage``; a test keeps the file current)."""

from __future__ import annotations

from vcl_fake.contract.operations import NOT_MODELLED, PROBE_OPERATION, VIM_METHODS, operations

#: What each served vim25 method does in the fake.
VIM_NOTES = {
    "RetrieveServiceContent": "no session needed; rootFolder, the managers, searchIndex, about",
    "CurrentTime": "the fake clock",
    "Login": "the vAPI users; sets `vmware_soap_session`; InvalidLogin",
    "Logout": "ends the session and its views",
    "RetrieveProperties": "TraversalSpec/SelectionSpec recursion, skip, subtypes, dotted paths",
    "RetrievePropertiesEx": "the same, paged by `maxObjects`; nothing matched: no result",
    "ContinueRetrievePropertiesEx": "the next page; an unknown token is InvalidArgument",
    "CancelRetrievePropertiesEx": "drops the remaining pages",
    "CreateContainerView": "per session; recursive or not, by type (subtypes included)",
    "DestroyView": "a second destroy is ManagedObjectNotFound",
    "Fetch": "one property of any object (pyVmomi 8+); unset: no returnval",
}


def markdown() -> str:
    lines = [
        "# Coverage",
        "",
        "Generated from the operation table by `vcl-fake contract coverage`; do not edit.",
        "Every operation is served on all three protocols: `/api` REST, legacy `/rest`, and vAPI",
        "JSON-RPC (`POST /api`, service and operation ids as below). The PUSH data plane",
        "(`PUT`/`POST {origin}/cls/data/{token}/{name}`) is the scenario operation `upload`;",
        "the download data plane (`GET`/`HEAD` of the same URL form, with `Range`, and of an",
        "item file's `/cls/static/...` URL) is `download`.",
        "",
        f"The {len(NOT_MODELLED)} other operations of the official bindings are routed too: they",
        "answer `OPERATION_NOT_FOUND` with message id `vcl_fake.operation.not_modelled` (after",
        "authentication, scenario rules and the journal, where they appear under their full id),",
        "and `vcl-fake contract check` reports them as not modelled.",
        "",
        "| operation | service / operation id | `/api` | legacy `/rest` | declared errors |",
        "|---|---|---|---|---|",
    ]
    for op in (*operations(), PROBE_OPERATION):
        api = "—"
        if op.api is not None:
            query = "&".join(k if v is None else f"{k}={v}" for k, v in op.api.dispatch.items())
            api = f"`{op.api.method} {op.api.template}{'?' + query if query else ''}`"
        errors = ", ".join(e.rsplit(".", 1)[1] for e in sorted(op.errors)) or "—"
        service = f"`{op.service}` / `{op.name}`" + (" (govc only)" if op.api is None else "")
        rest = f"`{op.rest.method} {op.rest.template}`" if op.rest is not None else "—"
        lines.append(f"| `{op.alias}` | {service} | {api} | {rest} | {errors} |")
    lines += [
        "",
        "## vim25 SOAP (`POST /sdk`)",
        "",
        "`GET /sdk/vimServiceVersions.xml` lists the versions (8.0.3.0 first). Every method",
        "needs a session (the `vmware_soap_session` cookie) except RetrieveServiceContent and",
        "Login, and a read of `SessionManager.currentSession` (unset without one). Faults:",
        "InvalidLogin, NotAuthenticated, ManagedObjectNotFound, InvalidProperty,",
        "InvalidArgument, InvalidRequest (a body that cannot be read); any other vim25 method",
        "answers NotImplemented naming it, a name vim25 does not have InvalidRequest.",
        "",
        "| operation | method | notes |",
        "|---|---|---|",
    ]
    for kind, method, _params, _auth in VIM_METHODS:
        lines.append(f"| `vim.{kind}.{method}` | `{kind}.{method}` | {VIM_NOTES[method]} |")
    return "\n".join(lines) + "\n"
