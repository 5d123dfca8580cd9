"""Which certificates a lot needs and which documents prove them; the document store's
content addressing and its check of the file's type by content; the demo's PDFs."""

from __future__ import annotations

from datetime import date

import pytest

from wms import certificates, documents
from wms.document_store import DirectoryStore, check_file, key_of, sniff, store_from_setting
from wms.models import Document, DocumentKind
from wms.pdf import text_pdf

K = DocumentKind


def test_kinds_are_read_from_the_words_of_an_order_line_and_the_product():
    assert certificates.kinds_in("GAP, Organic") == {K.ORGANIC}
    assert certificates.kinds_in("HACCP;ISO22000") == set()
    assert certificates.kinds_in("quarantine / pesticide-residue") == {K.INSPECTION,
                                                                       K.PESTICIDE_RESIDUE}
    assert certificates.required_kinds("inspection", "organic") == {K.INSPECTION, K.ORGANIC}
    assert certificates.required_kinds("", None) == set()


def _doc(kind, start, end=None, passed=None):
    return Document(kind=kind, valid_from=start, valid_to=end, passed=passed)


def test_a_document_proves_its_kind_only_on_the_days_it_is_valid():
    docs = [_doc(K.ORGANIC, date(2026, 1, 1), date(2026, 6, 30)),
            _doc(K.INSPECTION, date(2026, 3, 1))]
    assert certificates.covered(docs, date(2026, 2, 1)) == {K.ORGANIC}
    assert certificates.covered(docs, date(2026, 6, 30)) == {K.ORGANIC, K.INSPECTION}
    assert certificates.covered(docs, date(2026, 7, 1)) == {K.INSPECTION}


def test_a_failed_residue_test_proves_nothing():
    day = date(2026, 5, 1)
    assert certificates.covered([_doc(K.PESTICIDE_RESIDUE, day, passed=False)], day) == set()
    assert certificates.covered([_doc(K.PESTICIDE_RESIDUE, day, passed=True)], day) == \
        {K.PESTICIDE_RESIDUE}


def test_residue_passes_at_or_under_the_limit():
    assert documents.residue_passed(0.05, 0.05) and not documents.residue_passed(0.051, 0.05)


def test_hold_reason_is_read_back():
    lot = type("L", (), {"status_reason": certificates.hold_reason([K.ORGANIC, K.ORIGIN])})
    assert certificates.held_for_certificates(lot) == [K.ORGANIC, K.ORIGIN]
    lot.status_reason = "probe 9.0 °C at receipt"
    assert certificates.held_for_certificates(lot) == []


def test_files_are_typed_by_their_first_bytes():
    pdf = text_pdf(["Organic certificate"])
    assert sniff(pdf) == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"GIF89a") is None
    with pytest.raises(ValueError, match="not a PDF"):
        check_file(b"<html>%PDF-</html>")
    with pytest.raises(ValueError, match="empty"):
        check_file(b"")
    with pytest.raises(ValueError, match="at most 10"):
        check_file(b"%PDF-" + b"0" * 10, max_bytes=10)


def test_the_store_keeps_a_file_once_under_its_hash(tmp_path):
    store = DirectoryStore(tmp_path)
    pdf = text_pdf(["x"])
    key = store.put(pdf)
    assert key == key_of(pdf) and store.put(pdf) == key
    assert store.get(key) == pdf
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
    with pytest.raises(FileNotFoundError):
        store.get("../../etc/passwd")
    assert isinstance(store_from_setting(f"file://{tmp_path}", tmp_path), DirectoryStore)
    with pytest.raises(ValueError):
        store_from_setting("s3://bucket", tmp_path)


def test_the_demo_pdf_has_a_cross_reference_table_that_points_at_its_objects():
    pdf = text_pdf(["Pesticide residue report (SGS)", "Chlorpyrifos 0.02 mg/kg"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:xref + 4] == b"xref"
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    assert [pdf[o:o + 7] for o in offsets] == [f"{n} 0 obj".encode() for n in range(1, 6)]
    assert b"\\(SGS\\)" in pdf


def test_upload_names_keep_no_directory_and_get_the_types_extension():
    assert documents.safe_filename("../../x/cert.PDF", "application/pdf") == "cert.PDF"
    assert documents.safe_filename("photo", "image/jpeg") == "photo.jpg"
    assert documents.safe_filename("scan.jpeg", "image/jpeg") == "scan.jpeg"
    assert documents.safe_filename('a"b.png', "image/png") == "ab.png"
    assert documents.safe_filename("", "application/pdf") == "document.pdf"
