"""The vim25 methods the fake serves, over the backend's vCenter inventory and SOAP sessions.

Every managed object's properties come as plain data (from :mod:`vcl_fake.backend.vcenter`,
or from the session for managers and views) and are typed here against pyVmomi's property
declarations, so a property path is valid exactly when vim25 declares it: an undeclared one is
an InvalidProperty fault, a declared one the fake does not model is simply unset.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyVmomi import VmomiSupport as V
from pyVmomi import vim, vmodl

from vcl_fake.backend.vcenter import Entity, Ref
from vcl_fake.backend.vim25.sessions import ContainerView, VimSession
from vcl_fake.contract.vim25 import NS_VIM, LoggedIn, managed_type
from vcl_fake.errors import VimFault

if TYPE_CHECKING:
    from vcl_fake.backend.vim25 import Vim25

PC = vmodl.query.PropertyCollector
ABOUT = {
    "name": "VMware vCenter Server",
    "fullName": "VMware vCenter Server 8.0.3 build-24022515",
    "vendor": "VMware, Inc.",
    "version": "8.0.3",
    "build": "24022515",
    "localeVersion": "INTL",
    "localeBuild": "000",
    "osType": "linux-x64",
    "productLineId": "vpx",
    "apiType": "VirtualCenter",
    "apiVersion": "8.0.3.0",
    "licenseProductName": "VMware VirtualCenter Server",
    "licenseProductVersion": "8.0",
}
#: The managers of the ServiceContent: property, type, id.
MANAGERS = (
    ("propertyCollector", "PropertyCollector", "propertyCollector"),
    ("viewManager", "ViewManager", "ViewManager"),
    ("sessionManager", "SessionManager", "SessionManager"),
    ("searchIndex", "SearchIndex", "SearchIndex"),
)
#: Unfinished paged retrievals a session keeps (a client that never continues stays bounded).
MAX_PENDING_RESULTS = 64
#: Inventory containers a container view may start from.
CONTAINERS = ("Folder", "Datacenter", "ClusterComputeResource", "ResourcePool", "HostSystem")


@dataclass
class Call:
    """One call: the vim25 state, the caller's session (None before Login) and ``_this``."""

    state: Vim25
    session: VimSession | None
    this: Any

    @property
    def this_ref(self) -> Ref:
        return Ref(V.GetWsdlName(type(self.this)), self.this._moId)


def not_found(ref: Ref) -> VimFault:
    return VimFault(
        "vmodl.fault.ManagedObjectNotFound",
        "The object has already been deleted or has not been completely created",
        obj=to_moref(ref),
    )


def not_authenticated() -> VimFault:
    return VimFault(
        "vim.fault.NotAuthenticated",
        "The session is not authenticated.",
        object=vim.ServiceInstance("ServiceInstance"),
        privilegeId="System.View",
    )


def invalid_property(path: str) -> VimFault:
    return VimFault("vmodl.query.InvalidProperty", "", name=path)


def invalid_argument(name: str, text: str) -> VimFault:
    return VimFault("vmodl.fault.InvalidArgument", text, invalidProperty=name)


def asks_only_current_session(method: str, this: Any, params: dict[str, Any]) -> bool:
    """Is this a read of ``SessionManager.currentSession`` alone? vCenter answers it without a
    session (unset), which is how govc and pyVmomi scripts tell a session has expired."""
    if method == "Fetch":
        return isinstance(this, vim.SessionManager) and params.get("prop") == "currentSession"
    if method not in ("RetrieveProperties", "RetrievePropertiesEx"):
        return False
    specs = params.get("specSet") or []
    return (
        bool(specs)
        and all(
            isinstance(o.obj, vim.SessionManager) and not o.selectSet
            for spec in specs
            for o in spec.objectSet
        )
        and all(set(p.pathSet or ()) <= {"currentSession"} for s in specs for p in s.propSet)
    )


def anonymous_check(ctx: Call, method: str, params: dict[str, Any]) -> None:
    """Without a session, only a read of ``SessionManager.currentSession`` passes."""
    if ctx.session is None and not asks_only_current_session(method, ctx.this, params):
        raise not_authenticated()


def to_moref(ref: Ref) -> Any:
    return managed_type(ref.type)(ref.value)


def typed(value: Any, kind: Any) -> Any:
    """Plain data as the pyVmomi type ``kind`` (a property's declared type)."""
    if value is None:
        return None
    if isinstance(value, Ref):
        return to_moref(value)
    if isinstance(kind, type) and issubclass(kind, list):
        return kind([typed(v, kind.Item) for v in value])  # type: ignore[attr-defined]
    if isinstance(value, dict):
        return kind(**{k: typed(v, kind._GetPropertyInfo(k).type) for k, v in value.items()})
    if kind is type:
        return V.GetWsdlType(NS_VIM, value)
    if kind is object:
        return V.long(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return value if type(value) is kind else kind(value)


def property_type(kind: Any, name: str) -> Any:
    """The declared type of property ``name`` of ``kind``, or None when vim25 has none."""
    try:
        return kind._GetPropertyInfo(name).type
    except (AttributeError, KeyError):
        return None


class Vim25Service:
    """The served methods, by vim25 method name; each takes a :class:`Context` first."""

    def __init__(self) -> None:
        self.methods: dict[str, Callable[..., Any]] = {
            "RetrieveServiceContent": self.retrieve_service_content,
            "CurrentTime": self.current_time,
            "Login": self.login,
            "Logout": self.logout,
            "RetrieveProperties": self.retrieve_properties,
            "RetrievePropertiesEx": self.retrieve_properties_ex,
            "ContinueRetrievePropertiesEx": self.continue_retrieve,
            "CancelRetrievePropertiesEx": self.cancel_retrieve,
            "CreateContainerView": self.create_container_view,
            "DestroyView": self.destroy_view,
            "Fetch": self.fetch,
        }

    # --- ServiceInstance -------------------------------------------------------------------------
    def service_content(self, state: Vim25) -> dict[str, Any]:
        content: dict[str, Any] = {
            "rootFolder": state.vcenter.root.ref,
            "about": {**ABOUT, "instanceUuid": state.server_guid},
        }
        for prop, kind, value in MANAGERS:
            content[prop] = Ref(kind, value)
        return content

    def retrieve_service_content(self, ctx: Call) -> Any:
        return typed(self.service_content(ctx.state), vim.ServiceInstanceContent)

    def current_time(self, ctx: Call) -> Any:
        return ctx.state.clock.now()

    # --- SessionManager ------------------------------------------------------------------------
    def login(
        self,
        ctx: Call,
        userName: str | None,
        password: str | None,
        locale: str | None = None,
        user_agent: str | None = None,
    ) -> LoggedIn:
        session = ctx.state.sessions.login(userName or "", password or "", locale, user_agent or "")
        if session is None:
            raise VimFault(
                "vim.fault.InvalidLogin",
                "Cannot complete login due to an incorrect user name or password.",
            )
        ctx.session = session
        return LoggedIn(typed(self.user_session(session), vim.UserSession), session.key)

    @staticmethod
    def user_session(session: VimSession) -> dict[str, Any]:
        return {
            "key": session.public_id,
            "userName": session.user,
            "fullName": session.user,
            "loginTime": session.login_time,
            "lastActiveTime": session.last_active_time,
            "locale": session.locale,
            "messageLocale": session.locale,
            "extensionSession": False,
            "userAgent": session.user_agent,
            "callCount": session.call_count,
        }

    def logout(self, ctx: Call) -> None:
        assert ctx.session is not None
        ctx.state.sessions.logout(ctx.session)

    # --- objects and their properties -----------------------------------------------------------
    def properties(self, ctx: Call, ref: Ref) -> dict[str, Any] | None:
        """The modelled properties of ``ref``, or None when no such object exists."""
        state = ctx.state
        session = ctx.session
        if ref.type == "ServiceInstance" and ref.value == "ServiceInstance":
            return {"content": self.service_content(state)}
        if ref in {Ref(kind, value) for _, kind, value in MANAGERS}:
            if ref.type == "SessionManager":
                current = self.user_session(session) if session else None
                return {"currentSession": current, "defaultLocale": "en"}
            if ref.type == "ViewManager":
                views = session.views.values() if session else ()
                return {"viewList": [Ref("ContainerView", v.id) for v in views]}
            if ref.type == "PropertyCollector":
                return {"filter": []}
            return {}
        if ref.type == "ContainerView":
            view = session.views.get(ref.value) if session else None
            if view is None:
                return None
            return {
                "container": view.container,
                "type": list(view.types),
                "recursive": view.recursive,
                "view": [e.ref for e in self.view_objects(ctx, view)],
            }
        entity = state.vcenter.entity(ref)
        return state.vcenter.properties(entity) if entity is not None else None

    def lookup(self, ctx: Call, ref: Ref) -> dict[str, Any]:
        found = self.properties(ctx, ref)
        if found is None:
            raise not_found(ref)
        return found

    @staticmethod
    def value_at(kind: Any, props: dict[str, Any], path: str) -> tuple[Any, Any]:
        """(plain value, declared type) of a dotted ``path``; InvalidProperty if vim25 does not
        declare it."""
        first, *rest = path.split(".")
        declared = property_type(kind, first)
        if declared is None or not first:
            raise invalid_property(path)
        value = props.get(first)
        for part in rest:
            if not (isinstance(declared, type) and issubclass(declared, V.DataObject)):
                raise invalid_property(path)
            declared = property_type(declared, part)
            if declared is None:
                raise invalid_property(path)
            value = value.get(part) if isinstance(value, dict) else None
        return value, declared

    def fetch(self, ctx: Call, prop: str) -> Any:
        anonymous_check(ctx, "Fetch", {"prop": prop})
        ref = ctx.this_ref
        props = self.lookup(ctx, ref)
        value, declared = self.value_at(type(ctx.this), props, prop)
        return typed(value, declared)

    # --- views -----------------------------------------------------------------------------------
    def create_container_view(
        self, ctx: Call, container: Any, recursive: bool, type: list[Any] | None = None
    ) -> Any:
        assert ctx.session is not None
        ref = Ref(V.GetWsdlName(V.Type(container)), container._moId)
        if ref.type not in CONTAINERS or ctx.state.vcenter.entity(ref) is None:
            raise not_found(ref)
        names = [V.GetWsdlName(t) for t in type or ()]
        for t in type or ():
            if not issubclass(t, vim.ManagedEntity):
                raise invalid_argument("type", f"{V.GetWsdlName(t)} is not a managed entity.")
        view = ContainerView(
            f"session[{ctx.session.public_id}]{uuid.uuid4()}", ref, names, recursive
        )
        ctx.session.views[view.id] = view
        return vim.view.ContainerView(view.id)

    def view_objects(self, ctx: Call, view: ContainerView) -> Iterator[Entity]:
        inventory = ctx.state.vcenter
        start = inventory.entity(view.container)
        if start is None:
            return
        kinds = [managed_type(t) for t in view.types] or [vim.ManagedEntity]
        found = (
            inventory.descendants(start)
            if view.recursive
            else (inventory.entities[r.value] for r in inventory.children_of(start))
        )
        for entity in found:
            if any(issubclass(managed_type(entity.ref.type), k) for k in kinds):
                yield entity

    def destroy_view(self, ctx: Call) -> None:
        assert ctx.session is not None
        ref = ctx.this_ref
        if ctx.session.views.pop(ref.value, None) is None:
            raise not_found(ref)

    # --- PropertyCollector ---------------------------------------------------------------------
    def retrieve_properties(self, ctx: Call, specSet: list[Any]) -> list[Any]:
        anonymous_check(ctx, "RetrieveProperties", {"specSet": specSet})
        return self.collect(ctx, specSet)

    def retrieve_properties_ex(self, ctx: Call, specSet: list[Any], options: Any) -> Any:
        anonymous_check(ctx, "RetrievePropertiesEx", {"specSet": specSet})
        objects = self.collect(ctx, specSet)
        if ctx.session is None:  # the anonymous currentSession check: one object, no paging
            return PC.RetrieveResult(objects=objects) if objects else None
        return self.page(ctx.session, objects, options.maxObjects if options else None)

    def continue_retrieve(self, ctx: Call, token: str) -> Any:
        assert ctx.session is not None
        pending = ctx.session.pages.pop(token, None)
        if pending is None:
            raise invalid_argument("token", f"No retrieval is pending under token {token!r}.")
        size, rest = pending
        return self.page(ctx.session, rest, size)

    def cancel_retrieve(self, ctx: Call, token: str) -> None:
        assert ctx.session is not None
        if ctx.session.pages.pop(token, None) is None:
            raise invalid_argument("token", f"No retrieval is pending under token {token!r}.")

    @staticmethod
    def page(session: VimSession, objects: list[Any], size: int | None) -> Any:
        """One RetrieveResult of at most ``size`` objects; the rest waits under a token. None
        when nothing matched, as vCenter answers."""
        if not objects:
            return None
        if size is None or size <= 0 or len(objects) <= size:
            return PC.RetrieveResult(objects=objects)
        token = str(session.next_token)
        session.next_token += 1
        if len(session.pages) >= MAX_PENDING_RESULTS:  # the oldest unfinished one goes
            del session.pages[next(iter(session.pages))]
        session.pages[token] = (size, objects[size:])
        return PC.RetrieveResult(token=token, objects=objects[:size])

    def collect(self, ctx: Call, specs: list[Any]) -> list[Any]:
        """The ObjectContents a list of FilterSpecs selects, each object once."""
        found: dict[Ref, tuple[Any, set[str], bool]] = {}
        for spec in specs:
            for obj_spec in spec.objectSet:
                self._walk_object_spec(ctx, obj_spec, spec.propSet, found)
        out = []
        for ref, (kind, paths, everything) in found.items():
            props = self.lookup(ctx, ref)
            names = list(props) if everything else sorted(paths)
            prop_set, missing = [], []
            for path in names:
                value, declared = self.value_at(kind, props, path)
                if value is not None:
                    prop_set.append(vmodl.DynamicProperty(name=path, val=typed(value, declared)))
                elif ctx.session is None and path == "currentSession":
                    missing.append(PC.MissingProperty(path=path, fault=not_authenticated().value()))
            out.append(PC.ObjectContent(obj=to_moref(ref), propSet=prop_set, missingSet=missing))
        return out

    def _walk_object_spec(
        self, ctx: Call, obj_spec: Any, prop_specs: list[Any], found: dict
    ) -> None:
        start = Ref(V.GetWsdlName(type(obj_spec.obj)), obj_spec.obj._moId)
        self.lookup(ctx, start)  # ManagedObjectNotFound for an unknown start
        named: dict[str, Any] = {}
        pending = list(obj_spec.selectSet or ())
        while pending:  # every named TraversalSpec in the tree, for SelectionSpecs to refer to
            spec = pending.pop()
            if isinstance(spec, PC.TraversalSpec):
                if spec.name:
                    named.setdefault(spec.name, spec)
                pending.extend(spec.selectSet or ())
        seen: set[tuple[Ref, int]] = set()

        def visit(ref: Ref, select: list[Any], report: bool) -> None:
            kind = managed_type(ref.type)
            props = self.lookup(ctx, ref)
            if report:
                self._report(ref, kind, props, prop_specs, found)
            for sel in select:
                spec = sel if isinstance(sel, PC.TraversalSpec) else named.get(sel.name)
                if spec is None:
                    raise invalid_argument("selectSet", f"No TraversalSpec is named {sel.name!r}.")
                if not issubclass(kind, spec.type) or (ref, id(spec)) in seen:
                    continue
                seen.add((ref, id(spec)))
                value, _ = self.value_at(spec.type, props, spec.path)
                targets = value if isinstance(value, list) else [value]
                for target in targets:
                    if isinstance(target, Ref):
                        visit(target, list(spec.selectSet or ()), not spec.skip)

        visit(start, list(obj_spec.selectSet or ()), not obj_spec.skip)

    def _report(self, ref: Ref, kind: Any, props: dict, prop_specs: list[Any], found: dict) -> None:
        matching = [p for p in prop_specs if issubclass(kind, p.type)]
        if not matching:
            return
        _, paths, _everything = found.setdefault(ref, (kind, set(), False))
        for spec in matching:
            for path in spec.pathSet or ():
                self.value_at(kind, props, path)  # InvalidProperty now, not after the walk
                paths.add(path)
            if spec.all:
                found[ref] = (kind, paths, True)


#: The served methods (stateless: the state comes with each call).
SERVICE = Vim25Service()
