"""`AnyOf`: a column among many values, as one array parameter of the column's type.

`field__in=values` sends one placeholder per value, and PostgreSQL compares the column with
the list value by value for every row (an `id IN (1, 2, …)` of a bigint column against int
constants is not hashed): with the 100,000 ids of a large import's entries that is most of a
minute. `AnyOf(F("field"), values)` in `filter()` sends `field = ANY(%s::<column type>[])` with
the values as one array: the driver quotes nothing per value, and the array of the column's
own type is looked up in a hash. On other databases it is `IN`. Plain values only (ids,
texts): they go to the driver as they are.
"""

from __future__ import annotations

from typing import Any

from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        db_type = self.lhs.output_field.db_type(connection)
        values = list(dict.fromkeys(v for v in self.rhs if v is not None))  # as IN drops None
        if not db_type or not values:
            return super().as_sql(compiler, connection)  # nothing can match, as with IN
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{db_type}[])", (*lhs_params, values)
