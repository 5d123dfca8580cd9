"""webargs parsing for multipart uploads: the file parts and the text parts of one form."""

from __future__ import annotations

from flask_smorest.blueprint import Blueprint
from werkzeug.datastructures import CombinedMultiDict


class FormWithFilesParser(type(Blueprint.ARGUMENTS_PARSER)):
    """``location="form"`` sees the uploaded files too, so one schema documents (and
    checks) a multipart body: its ``Upload`` field is the file, the others its options."""

    def load_form(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

