"""The operation table: every operation the fake serves, declared once.

Each :class:`Operation` is built from the generated contract (service id, operation id, typed
parameters, output type, declared errors, the ``/api`` route) plus the one name vcl_fake adds:
its ``alias`` (``update_session.create``, ``file.add``, ``session.login``), used by the call
journal, scenario files and the docs. Codecs route and decode with it; the dispatcher finds the
backend handler by alias.

Every other operation the bindings define is routed too, as an operation that is not
``modelled`` (its alias is its full id, ``com.vmware.content.subscribed_library.create``): it
passes authentication, scenario rules and the journal like any call, then answers
``OPERATION_NOT_FOUND`` saying that vcl_fake does not model it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from vcl_fake import messages as M
from vcl_fake.contract._generated import OPERATIONS, UNMODELLED
from vcl_fake.contract.types import (
    Dynamic,
    Native,
    Optional,
    Scalar,
    Struct,
    VType,
    build,
    invalid,
    struct,
)
from vcl_fake.errors import vapi_error

SERVICE_ALIASES: dict[str, str] = {
    "com.vmware.cis.session": "session",
    "com.vmware.content.library": "library",
    "com.vmware.content.local_library": "local_library",
    "com.vmware.content.subscribed_library": "subscribed_library",
    "com.vmware.content.library.item": "item",
    "com.vmware.content.library.item.file": "item_file",
    "com.vmware.content.library.item.storage": "item_storage",
    "com.vmware.content.library.item.download_session": "download_session",
    "com.vmware.content.library.item.downloadsession.file": "download_file",
    "com.vmware.content.library.item.update_session": "update_session",
    "com.vmware.content.library.item.updatesession.file": "file",
    "com.vmware.vcenter.datacenter": "vcenter.datacenter",
    "com.vmware.vcenter.folder": "vcenter.folder",
    "com.vmware.vcenter.datastore": "vcenter.datastore",
    "com.vmware.vcenter.cluster": "vcenter.cluster",
    "com.vmware.vcenter.resource_pool": "vcenter.resource_pool",
    "com.vmware.vcenter.host": "vcenter.host",
}
OPERATION_ALIASES: dict[tuple[str, str], str] = {
    ("com.vmware.cis.session", "create"): "login",
    ("com.vmware.cis.session", "delete"): "logout",
}
#: The operation whose caller proves itself with a user and password (every other vAPI
#: operation takes the session token it returns).
LOGIN = ("com.vmware.cis.session", "create")
#: The data plane is not a vAPI operation, but the journal and scenarios name it too.
UPLOAD = "upload"
#: Where upload and download URLs live: ``{origin}/cls/data/{token}/{file name}``.
UPLOAD_PATH = "/cls/data/"
DOWNLOAD = "download"
#: Where an item file's direct URL lives: ``{origin}/cls/static/{library}/{item}/{file name}``.
STATIC_PATH = "/cls/static/"
#: govc's undocumented ``/rest`` probe of a PULL source (not in the bindings).
PROBE = "file.probe"


@dataclass(frozen=True, eq=False)
class Route:
    """An ``/api`` route: method, path template, and how parameters travel."""

    method: str
    template: str
    dispatch: Mapping[str, str | None]
    body: str | None
    path_vars: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]

    @classmethod
    def from_rest(cls, rest: Mapping[str, Any]) -> Route:
        path, _, dispatch_text = ("/api" + rest["url_template"]).partition("?")
        dispatch: dict[str, str | None] = {}
        for part in filter(None, dispatch_text.split("&")):
            key, eq, value = part.partition("=")
            dispatch[key] = value if eq else None
        for key, value in rest["dispatch"].items():
            dispatch[key] = None if value == "null" else value
        return cls(
            method=rest["method"],
            template=path,
            dispatch=dispatch,
            body=rest["body"],
            path_vars={v.replace("-", "_"): k for k, v in rest["path"].items()},
            query={v: k for k, v in rest.get("query", {}).items()},
            headers=dict(rest.get("headers", {})),
        )

    @functools.cached_property
    def variables(self) -> tuple[str, ...]:
        """The parameters the template's variable segments carry, in path order (a URL
        variable may hold a hyphen: ``{resource-pool}`` carries ``resource_pool``)."""
        segments = self.template.split("/")
        return tuple(self.path_vars[s[1:-1].replace("-", "_")] for s in segments if s[:1] == "{")

    @functools.cached_property
    def literals(self) -> int:
        """How many path segments are fixed text (more means more specific)."""
        return sum(1 for seg in self.template.split("/") if seg and not seg.startswith("{"))

    def arguments(self, values: Sequence[str]) -> dict[str, str]:
        """The path parameters, from the values of the variable segments (percent-decoded)."""
        return {name: unquote(value) for name, value in zip(self.variables, values, strict=True)}

    def dispatches(self, query: Mapping[str, str]) -> bool:
        """True if the query carries this route's dispatch parameters."""
        return all(
            name in query and (want is None or query[name] == want)
            for name, want in self.dispatch.items()
        )


@dataclass(frozen=True)
class LegacyRoute:
    """A legacy ``/rest`` route, derived by vAPI's REST v1 rules (see :func:`legacy_route`)."""

    method: str
    base: str  # /rest/com/vmware/content/library/item/update-session
    id_param: str | None  # carried as /id:{value} (or /{value}: plain_id)
    action: str | None  # ~action=...
    query: tuple[str, ...]  # parameters carried in the query string (GET)
    plain_id: bool = False  # the vcenter services: /rest/vcenter/datastore/{datastore}

    @property
    def template(self) -> str:
        mark = "/" if self.plain_id else "/id:"
        path = self.base + (f"{mark}{{{self.id_param}}}" if self.id_param else "")
        return path + (f"?~action={self.action}" if self.action else "")


@dataclass(frozen=True)
class Operation:
    service: str
    name: str
    alias: str
    params: Mapping[str, VType]
    output: VType
    errors: frozenset[str]
    api: Route | None  # None: not served over /api (govc's probe, JSON-RPC-only, data plane)
    rest: LegacyRoute | None  # None: not served over /rest (the data plane)
    success_status: int = field(default=200)
    modelled: bool = True  # False: the bindings define it, vcl_fake answers "not modelled"
    #: How a caller proves who it is: "session" (an API session token), "password" (user and
    #: password: login), "url" (the URL itself authorises: the data plane), or for vim25
    #: "vim" (the SOAP session cookie), "vim_optional" (a session if there is one), "none".
    auth: str = "session"
    #: Parameters the journal never records (capability tokens).
    hidden: frozenset[str] = frozenset()

    def redact(self, inputs: Mapping[str, Any]) -> Mapping[str, Any]:
        """Decoded inputs as the journal shows them: secrets replaced (see ``types.REDACTED``);
        inputs with no parameter that can hold one, as they are."""
        if not self.secret_input:
            return inputs
        return {name: self.params[name].redact(value) for name, value in inputs.items()}

    @functools.cached_property
    def secret_input(self) -> bool:
        """Whether a parameter can carry a secret (see ``VType.holds_secret``)."""
        return any(ptype.holds_secret for ptype in self.params.values())

    @functools.cached_property
    def handler_name(self) -> str:
        """The backend method serving this operation: ``update_session_create``."""
        return self.alias.replace(".", "_")

    def decode_input(self, raw: Mapping[str, Any], text: frozenset[str] = frozenset()) -> dict:
        """Check and convert raw parameters (clean JSON; ``text`` names those that came as
        strings from a path, query or header). Raises INVALID_ARGUMENT naming the field, and
        OPERATION_NOT_FOUND for an operation that is not modelled."""
        if not self.modelled:
            raise vapi_error("OPERATION_NOT_FOUND", M.NOT_MODELLED, self.service, self.name)
        for key in raw:
            if key not in self.params:
                raise invalid(M.FIELD_UNEXPECTED, key, "operation-input")
        out: dict[str, Any] = {}
        for pname, ptype in self.params.items():
            value = raw.get(pname)
            if value is None:
                if not ptype.optional:
                    raise invalid(M.PARAMETER_MISSING, self.alias, pname)
                out[pname] = None
                continue
            out[pname] = (
                ptype.decode_text(value, pname) if pname in text else ptype.decode(value, pname)
            )
            if isinstance(ptype, Struct):
                ptype.check_required_for(out[pname], self.name, pname)
        return out


def legacy_route(
    service: str, name: str, params: Sequence[str], required_ids: Sequence[str]
) -> LegacyRoute:
    """vAPI REST v1: create is POST on the collection; get, update and delete act on
    ``/id:{id}`` (GET, PATCH, DELETE) of the first required id parameter (the vcenter
    services: ``/rest/vcenter/...`` and a plain ``/{id}``); list is GET with its parameters in
    the query; every other operation, and a get with more than the id, is
    ``POST ...?~action=name``. The other parameters travel in a JSON body, each wrapped by its
    name."""
    vcenter = service.startswith("com.vmware.vcenter.")  # mapped as /rest/vcenter/...
    path = service.removeprefix("com.vmware.") if vcenter else service
    base = "/rest/" + path.replace(".", "/").replace("_", "-")
    id_param = required_ids[0] if required_ids and name != "create" and name != "list" else None
    others = [p for p in params if p != id_param]
    if name == "create":
        return LegacyRoute("POST", base, None, None, ())
    if name == "list":
        return LegacyRoute("GET", base, None, None, tuple(params))
    if name == "get" and not others:
        return LegacyRoute(
            "GET" if id_param else "POST",
            base,
            id_param,
            None if id_param else "get",
            (),
            plain_id=vcenter,
        )
    if name == "update":
        return LegacyRoute("PATCH", base, id_param, None, ())
    if name == "delete":
        return LegacyRoute("DELETE", base, id_param, None, ())
    return LegacyRoute("POST", base, id_param, name.replace("_", "-"), ())


def _success_status(name: str, output: VType) -> int:
    if name == "create":
        return 201
    return 204 if output.describe() == "void" else 200


def _build() -> dict[str, Operation]:
    table: dict[str, Operation] = {}
    for spec in OPERATIONS:
        service, name = spec["service"], spec["operation"]
        alias = SERVICE_ALIASES[service] + "." + OPERATION_ALIASES.get((service, name), name)
        output = build(spec["output"])
        params = {p: build(t) for p, t in spec["input"]}
        table[alias] = Operation(
            service=service,
            name=name,
            alias=alias,
            params=params,
            output=output,
            errors=frozenset(spec["errors"]),
            api=Route.from_rest(spec["rest"]),
            rest=legacy_route(
                service, name, list(params), [p for p, t in params.items() if t.describe() == "id"]
            ),
            success_status=_success_status(name, output),
            auth="password" if (service, name) == LOGIN else "session",
        )
    return table


def _build_unmodelled() -> dict[str, Operation]:
    table: dict[str, Operation] = {}
    for service, name, params, ids, route in UNMODELLED:
        api = None
        if route is not None:
            method, template, body, path, dispatch = route
            rest = {"method": method, "url_template": template, "body": body}
            api = Route.from_rest({**rest, "path": dict(path), "dispatch": dict(dispatch)})
        table[f"{service}.{name}"] = Operation(
            service=service,
            name=name,
            alias=f"{service}.{name}",
            params={},
            output=Dynamic(),
            errors=frozenset(),
            api=api,
            rest=legacy_route(service, name, params, ids),
            modelled=False,
        )
    return table


def _data_plane(alias: str, params: Mapping[str, VType]) -> Operation:
    """A data-plane operation (not vAPI): its URL authorises it; the journal hides the token."""
    return Operation(
        service="vcl_fake.data",
        name=alias,
        alias=alias,
        params=params,
        output=Dynamic(),
        errors=frozenset(),
        api=None,
        rest=None,
        auth="url",
        hidden=frozenset({"token"}),
    )


#: alias -> Operation, in contract order.
TABLE: dict[str, Operation] = _build()
#: govc's probe: ``POST /rest/.../updatesession/file?~action=probe`` {"source_endpoint": ...}.
PROBE_OPERATION = Operation(
    service="com.vmware.content.library.item.updatesession.file",
    name="probe",
    alias=PROBE,
    params={"source_endpoint": struct("com.vmware.content.library.item.transfer_endpoint")},
    output=Dynamic(),
    errors=frozenset(),
    api=None,
    rest=LegacyRoute(
        "POST", "/rest/com/vmware/content/library/item/updatesession/file", None, "probe", ()
    ),
)
#: The PUSH data plane (``PUT``/``POST {origin}/cls/data/{token}/{file_name}``): the URL
#: authorises it; it passes the dispatcher twice (``upload_begin``, ``upload_finish``).
UPLOAD_OPERATION = _data_plane(
    UPLOAD,
    {
        "token": Scalar("string"),
        "file_name": Scalar("string"),
        "method": Scalar("string"),
        "bytes": Optional(Scalar("integer")),
    },
)
#: The download data plane (``GET``/``HEAD`` of a download URL, which authorises it, or of an
#: item file's direct URL, which the caller's API session authorises): it passes the
#: dispatcher twice (``download_begin``, ``download_finish``, once the body is sent).
DOWNLOAD_OPERATION = _data_plane(
    DOWNLOAD,
    {
        "token": Optional(Scalar("string")),
        "library_item_id": Optional(Scalar("string")),
        "library_id": Optional(Scalar("string")),
        "version": Optional(Scalar("string")),
        "file_name": Scalar("string"),
        "method": Scalar("string"),
        "range": Optional(Scalar("string")),
        "bytes": Optional(Scalar("integer")),
    },
)
#: The direct download of an item file: the same, authorised by the caller's API session.
STATIC_DOWNLOAD_OPERATION = dataclasses.replace(DOWNLOAD_OPERATION, auth="session")
#: The vim25 SOAP methods served at ``/sdk``: (managed object type, method, parameters,
#: how the caller authenticates). The journal and scenarios name them ``vim.{type}.{method}``
#: (``vim.SessionManager.Login``); ``Fetch`` reads one property of any managed object. Auth:
#: ``vim`` (the ``vmware_soap_session`` cookie), ``none``, or ``vim_optional`` (without a
#: session only ``SessionManager.currentSession`` may be read).
VIM_METHODS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("ServiceInstance", "RetrieveServiceContent", (), "none"),
    ("ServiceInstance", "CurrentTime", (), "vim"),
    ("SessionManager", "Login", ("userName", "password", "locale", "user_agent"), "none"),
    ("SessionManager", "Logout", (), "vim"),
    ("PropertyCollector", "RetrieveProperties", ("specSet",), "vim_optional"),
    ("PropertyCollector", "RetrievePropertiesEx", ("specSet", "options"), "vim_optional"),
    ("PropertyCollector", "ContinueRetrievePropertiesEx", ("token",), "vim"),
    ("PropertyCollector", "CancelRetrievePropertiesEx", ("token",), "vim"),
    ("ViewManager", "CreateContainerView", ("container", "type", "recursive"), "vim"),
    ("ContainerView", "DestroyView", (), "vim"),
    ("ManagedObject", "Fetch", ("prop",), "vim_optional"),
)


def vim_operation(
    kind: str, method: str, params: Sequence[str] = (), auth: str = "vim"
) -> Operation:
    """A vim25 method as an operation: its input is what the SOAP codec decoded (``_this``
    and the method's parameters, pyVmomi values)."""
    return Operation(
        service="vim25",
        name=method,
        alias=f"vim.{kind}.{method}",
        params={"_this": Native(), **{p: Optional(Native()) for p in params}},
        output=Dynamic(),
        errors=frozenset(),
        api=None,
        rest=None,
        auth=auth,
        hidden=frozenset({"password", "user_agent"}),
    )


#: method name -> the served vim25 operation.
VIM_TABLE: dict[str, Operation] = {
    method: vim_operation(kind, method, params, auth) for kind, method, params, auth in VIM_METHODS
}
#: full id -> every operation of the bindings that vcl_fake does not model.
NOT_MODELLED: dict[str, Operation] = _build_unmodelled()
#: (service id, operation id) -> Operation, modelled or not.
BY_ID: dict[tuple[str, str], Operation] = {
    (op.service, op.name): op for op in (*TABLE.values(), *NOT_MODELLED.values())
}
#: Every name a scenario or the journal may use.
NAMES: tuple[str, ...] = (
    *TABLE,
    PROBE,
    UPLOAD,
    DOWNLOAD,
    *(op.alias for op in VIM_TABLE.values()),
)


def operations() -> Iterator[Operation]:
    """The operations vcl_fake serves."""
    return iter(TABLE.values())


def routable() -> Iterator[Operation]:
    """Every operation a request may name: the served ones first, then the bindings' others."""
    yield from TABLE.values()
    yield from NOT_MODELLED.values()
