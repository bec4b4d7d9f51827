"""The vim25 SOAP wire, typed by pyVmomi's own type model (imported when ``/sdk`` is first used).

Requests are parsed with defusedxml (no DTDs, no entities), then every parameter is decoded
against the method's declared pyVmomi type: data objects field by field (unknown elements are
refused), ``xsi:type`` for subtypes, managed object references by their ``type`` attribute,
enumerations, numbers, booleans, dates and type names checked. Answers and faults are written
by pyVmomi's serializer, so every ``anyType`` value carries its ``xsi:type``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from io import StringIO
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from pyVmomi import Iso8601, SoapAdapter, vim, vmodl  # noqa: F401  (vim: loads the types)
from pyVmomi import VmomiSupport as V

from vcl_fake.contract.vim25 import NS_VIM, VERSION, invalid_request, managed_type
from vcl_fake.errors import VimFault

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_TYPE = f"{{{V.XMLNS_XSI}}}type"
#: How deeply a request's data may nest (a TraversalSpec chain is a few levels).
MAX_DEPTH = 40
#: The largest SOAP request read (real ones are a few KiB).
BODY_LIMIT = 1024 * 1024

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    f'xmlns:soapenv="{NS_SOAP}" xmlns:xsd="{V.XMLNS_XSD}" xmlns:xsi="{V.XMLNS_XSI}">\n'
    "<soapenv:Body>{0}</soapenv:Body>\n</soapenv:Envelope>"
)
_NS_MAP = {NS_VIM: "", V.XMLNS_XSI: "xsi", V.XMLNS_XSD: "xsd"}


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


# --- requests ---------------------------------------------------------------------------------
def body_element(data: bytes, what: str = "request", holds: str = "operation") -> Element:
    """The one element in a SOAP 1.1 envelope's Body (an operation, its response or a
    Fault); InvalidRequest naming ``what`` and what it ``holds`` otherwise."""
    try:
        root = DefusedET.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise invalid_request(f"The {what} is not well-formed XML: {exc}") from None
    if root.tag != f"{{{NS_SOAP}}}Envelope":
        raise invalid_request(f"The {what} is not a SOAP 1.1 Envelope.")
    body = root.find(f"{{{NS_SOAP}}}Body")
    children = list(body) if body is not None else []
    if len(children) != 1:
        raise invalid_request(f"The SOAP Body must hold exactly one {holds}.")
    return children[0]


def parse_envelope(data: bytes) -> Element:
    """The operation element (the first child of the SOAP Body)."""
    operation = body_element(data)
    if not operation.tag.startswith(f"{{{NS_VIM}}}"):
        raise invalid_request(f"The operation {operation.tag} is not in the urn:vim25 namespace.")
    return operation


def decode_fields(elem: Element, props: list[Any], where: str, depth: int) -> dict[str, Any]:
    """The children of ``elem`` decoded against ``props`` (pyVmomi property infos)."""
    by_name: dict[str, list[Element]] = {}
    for child in elem:
        by_name.setdefault(local(child.tag), []).append(child)
    out: dict[str, Any] = {}
    known = {p.name for p in props}
    extra = sorted(set(by_name) - known)
    if extra:
        raise invalid_request(f"Unexpected element {extra[0]!r} in {where}.")
    for prop in props:
        children = by_name.get(prop.name, [])
        is_array = issubclass(prop.type, list)
        if not children:
            if not prop.flags & V.F_OPTIONAL and not is_array:
                raise invalid_request(f"{where} is missing the required element {prop.name!r}.")
            continue
        if is_array:
            out[prop.name] = prop.type([decode(c, prop.type.Item, depth + 1) for c in children])
        elif len(children) > 1:
            raise invalid_request(f"{where}: {prop.name!r} may appear only once.")
        else:
            out[prop.name] = decode(children[0], prop.type, depth + 1)
    return out


def decode(elem: Element, declared: Any, depth: int = 0) -> Any:
    """One element as a value of the pyVmomi type ``declared`` (or of its ``xsi:type``)."""
    if depth > MAX_DEPTH:
        raise invalid_request("The request nests too deeply.")
    kind = declared
    named = elem.get(XSI_TYPE)
    if named is not None:
        kind = _xsi_type(named, declared)
    text = elem.text or ""
    if kind is object:
        return text
    if issubclass(kind, V.ManagedObject):
        found = managed_type(elem.get("type", ""))
        if not issubclass(found, kind):
            raise invalid_request(f"{local(elem.tag)} must be a {V.GetWsdlName(kind)}.")
        return found(text.strip())
    if issubclass(kind, V.DataObject):
        fields = decode_fields(elem, kind._GetPropertyList(), V.GetWsdlName(kind), depth)
        try:
            return kind(**fields)
        except (TypeError, ValueError) as exc:
            raise invalid_request(f"{V.GetWsdlName(kind)}: {exc}") from None
    if issubclass(kind, list):  # an ArrayOf... given as one element with xsi:type
        return kind([decode(child, kind.Item, depth + 1) for child in elem])
    return _primitive(kind, text.strip() if kind is not str else text)


def _xsi_type(named: str, declared: Any) -> Any:
    name = named.rpartition(":")[2]
    for namespace in (NS_VIM, V.XMLNS_XSD):
        try:
            found = V.GetWsdlType(namespace, name)
            break
        except (KeyError, AttributeError):
            continue
    else:
        raise invalid_request(f"Unknown xsi:type {named!r}.")
    if declared is not object and not (isinstance(found, type) and issubclass(found, declared)):
        raise invalid_request(f"xsi:type {named!r} does not fit {V.GetWsdlName(declared)}.")
    return found


def _primitive(kind: Any, text: str) -> Any:
    try:
        if kind is bool:
            if text in ("true", "1"):
                return True
            if text in ("false", "0"):
                return False
            raise ValueError(f"{text!r} is not a boolean")
        if kind is type:
            return V.GetWsdlType(NS_VIM, text)
        if issubclass(kind, V.Enum):
            if text not in kind.values:
                raise ValueError(f"{text!r} is not one of {', '.join(kind.values)}")
            return kind(text)
        if issubclass(kind, _dt.datetime):
            parsed = Iso8601.ParseISO8601(text)
            if parsed is None:
                raise ValueError(f"{text!r} is not an xsd:dateTime")
            return parsed
        if issubclass(kind, bytes):
            return kind(base64.b64decode(text, validate=True))
        if issubclass(kind, (int, float, str)):
            return kind(text)
    except (ValueError, KeyError, AttributeError, binascii.Error, OverflowError) as exc:
        raise invalid_request(f"Bad value: {exc}") from None
    raise invalid_request(f"Values of type {V.GetWsdlName(kind)} are not accepted.")


# --- answers ------------------------------------------------------------------------------------
class _Serializer(SoapAdapter.SoapSerializer):
    """pyVmomi's serializer, as a server writes: no ``versionId``, and a reference held by an
    ``anyType`` says ``xsi:type="ManagedObjectReference"`` (the WSDL name)."""

    def __init__(self, writer: StringIO) -> None:
        super().__init__(writer, VERSION, _NS_MAP)
        self.outermostAttrs = ""
        self.xsiPrefix = "xsi:"

    def _Serialize(self, val: Any, info: Any, defNS: str) -> None:
        if isinstance(val, V.ManagedObject) and info.type is object:
            kind, value = V.GetWsdlName(type(val)), SoapAdapter.XmlEscape(val._moId)
            self.writer.write(
                f'<{info.name} xsi:type="ManagedObjectReference" type="{kind}">'
                f"{value}</{info.name}>"
            )
            return
        super()._Serialize(val, info, defNS)


def envelope(inner: str) -> bytes:
    return _ENVELOPE.format(inner).encode()


def response(method: str, info: Any, value: Any) -> bytes:
    """``<MethodResponse xmlns="urn:vim25"><returnval>…`` for a method's result."""
    writer = StringIO()
    if value is not None:
        field = V.Object(
            name="returnval", type=info.result, version=VERSION, flags=info.resultFlags
        )
        _Serializer(writer).Serialize(value, field)
    return envelope(f'<{method}Response xmlns="{NS_VIM}">{writer.getvalue()}</{method}Response>')


def fault_body(fault: VimFault) -> bytes:
    """A SOAP Fault with the typed detail both clients map back to the fault."""
    kind = V.GetVmodlType(fault.fault)
    value = kind(**fault.fields)  # the text travels as faultstring
    writer = StringIO()
    name = V.GetWsdlName(kind)
    info = V.Object(name=f"{name}Fault", type=object, version=VERSION, flags=0)
    _Serializer(writer)._SerializeDataObject(value, info, f' xmlns="{NS_VIM}"', NS_VIM)
    text = SoapAdapter.XmlEscape(fault.text)
    return envelope(
        f"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{text}</faultstring>"
        f"<detail>{writer.getvalue()}</detail></soapenv:Fault>"
    )
