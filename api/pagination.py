"""Pagination of SQLAlchemy selects for flask-smorest's ``@blp.paginate``.

Views return a ``select()``; only the requested page is fetched, and the total
count goes in the ``X-Pagination`` header.
"""

from __future__ import annotations

from flask_smorest import Page
from sqlalchemy import func, select

from api.runtime import db


class SelectPage(Page):
    @property
    def items(self):
        if self.page_params.first_item >= self.page_params.item_count:
            # Past the last page, whatever its number: no offset the database cannot hold.
            return []
        stmt = self.collection.limit(self.page_params.page_size).offset(
            self.page_params.first_item
        )
        return db().scalars(stmt).all()

    @property
    def item_count(self) -> int:
        counted = self.collection.order_by(None).subquery()
        return db().scalar(select(func.count()).select_from(counted))
