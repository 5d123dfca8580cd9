"""Where certificate files are kept: a small store interface, content-addressed.

A file is stored under the SHA-256 of its bytes, so the same scan uploaded twice is kept
once and a stored file can be checked against its name. ``DirectoryStore`` keeps files in
a directory (``instance/documents/`` by default, ``WMS_DOCUMENT_STORE`` names another,
e.g. a mounted network share in production); another backend (an object store) only needs
``put`` and ``get``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from wms.i18n import N_

# The kinds of file a certificate may be, by what the bytes start with, never by the name
# or the type the browser claims.
MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"\x89PNG\r\n\x1a\n", "image/png"))
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_BYTES = 10 * 1024 * 1024


class DocumentStore(Protocol):
    def put(self, content: bytes) -> str:
        """Keep ``content``; its key (the hex SHA-256)."""

    def get(self, key: str) -> bytes:
        """The bytes kept under ``key``; FileNotFoundError if there are none."""


def sniff(content: bytes) -> str | None:
    """The content type the bytes are, of those accepted; None for anything else."""
    for magic, kind in MAGIC:
        if content.startswith(magic):
            return kind
    return None


def check_file(content: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The file's content type; ValueError (a message for people) if it is refused."""
    if not content:
        raise ValueError(N_("the file is empty"))
    if len(content) > max_bytes:
        raise ValueError(N_("the file is {size} bytes; at most {most} are accepted",
                            size=len(content), most=max_bytes))
    kind = sniff(content)
    if kind is None:
        raise ValueError(N_("the file is not a PDF, JPEG or PNG"))
    return kind


def key_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class DirectoryStore:
    """Files in ``root/ab/abcdef...``: two hex digits of fan-out keep directories small."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise FileNotFoundError(key)
        return self.root / key[:2] / key

    def put(self, content: bytes) -> str:
        key = key_of(content)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then renamed: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()


def store_from_setting(value: str | None, instance_dir: Path) -> DocumentStore:
    """The store ``WMS_DOCUMENT_STORE`` names: a directory path (``file://`` optional)."""
    if not value:
        return DirectoryStore(instance_dir / "documents")
    if value.startswith("file://"):
        value = value[len("file://"):]
    if "://" in value:
        raise ValueError(f"WMS_DOCUMENT_STORE: no document store for {value!r}; "
                         "name a directory")
    return DirectoryStore(value)
