"""Certificates and lab results: checked, stored (the file by the document store, the
facts as a row) and listed for a lot or a supplier."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.document_store import EXTENSIONS, DocumentStore, check_file
from wms.errors import ValidationFailed
from wms.i18n import N_
from wms.models import Document, DocumentKind

RESIDUE_FIELDS = ("analyte", "result", "limit", "unit")


def residue_passed(result: float, limit: float) -> bool:
    """A residue test passes when the measured amount is at most the maximum residue
    limit (GB 2763 gives the limits; a result equal to the limit complies)."""
    return result <= limit


def check_facts(data: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a document's facts, by field (empty: nothing)."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not (data.get("issuer") or "").strip():
        err("issuer", N_("say who issued the document"))
    if not (data.get("number") or "").strip():
        err("number", N_("give the document's number"))
    if data.get("valid_to") is not None and data["valid_to"] < data["valid_from"]:
        err("valid_to", N_("the document must be valid until a day on or after it is valid "
                           "from"))
    residue = data["kind"] == DocumentKind.PESTICIDE_RESIDUE
    for key in RESIDUE_FIELDS:
        given = data.get(key) not in (None, "")
        if residue and not given:
            err(key, N_("a pesticide-residue test needs its analyte, result, limit and unit"))
        elif not residue and given:
            err(key, N_("only a pesticide-residue test has an analyte, result, limit and "
                        "unit"))
    if residue:
        if data.get("result") is not None and data["result"] < 0:
            err("result", N_("a residue cannot be negative"))
        if data.get("limit") is not None and data["limit"] <= 0:
            err("limit", N_("a residue limit is more than zero"))
    return errors


def add(session: Session, store: DocumentStore, data: dict[str, Any], *, content: bytes,
        filename: str, lot_id: int | None = None, supplier_id: int | None = None,
        actor_id: int | None = None) -> Document:
    """Check the facts and the file, keep the file, record the document. Nothing is kept
    when anything is wrong."""
    data = {**data, "kind": DocumentKind(data["kind"])}
    errors = check_facts(data)
    try:
        content_type = check_file(content)
    except ValueError as exc:
        errors.setdefault("file", []).append(exc.args[0])
    if errors:
        raise ValidationFailed(errors)
    residue = data["kind"] == DocumentKind.PESTICIDE_RESIDUE
    key = store.put(content)
    doc = Document(
        kind=data["kind"], lot_id=lot_id, supplier_id=supplier_id,
        issuer=data["issuer"].strip(), number=data["number"].strip(),
        valid_from=data["valid_from"], valid_to=data.get("valid_to"),
        analyte=data.get("analyte") if residue else None,
        result=data.get("result") if residue else None,
        limit=data.get("limit") if residue else None,
        unit=data.get("unit") if residue else None,
        passed=residue_passed(data["result"], data["limit"]) if residue else None,
        filename=safe_filename(filename, content_type), content_type=content_type,
        size=len(content), sha256=key, uploaded_by=actor_id)
    session.add(doc)
    session.flush()
    return doc


def safe_filename(name: str, content_type: str) -> str:
    """The uploaded name without any directory, kept short, with the type's extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(c for c in base if c.isprintable() and c not in '"\r\n')[:150]
    ext = EXTENSIONS[content_type]
    if not base.lower().endswith(ext) and not (ext == ".jpg" and
                                               base.lower().endswith(".jpeg")):
        base = (base.rsplit(".", 1)[0] if "." in base else base) + ext
    return base if base != ext else "document" + ext


def for_lot(session: Session, lot_id: int, supplier_id: int | None) -> list[Document]:
    """The lot's own documents and those of its supplier, newest first."""
    stmt = select(Document).where(Document.lot_id == lot_id)
    if supplier_id is not None:
        stmt = select(Document).where((Document.lot_id == lot_id)
                                      | (Document.supplier_id == supplier_id))
    return list(session.scalars(stmt.order_by(Document.valid_from.desc(),
                                              Document.id.desc())))


def for_supplier(session: Session, supplier_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.supplier_id == supplier_id)
                                .order_by(Document.valid_from.desc(), Document.id.desc())))
