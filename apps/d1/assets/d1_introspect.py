# Loaded silently into Python kernels by d1: describes the user's variables for the variable explorer.
# Everything lives on one object so the user's namespace gains a single name.
import json as _json, os as _os, sys as _sys


class ___D1Introspect:
    SUMMARY = 140
    SKIP_TYPES = ("module", "function", "builtin_function_or_method", "type", "method")

    def _user_ns(self):
        return get_ipython().user_ns  # noqa: F821 (IPython provides it in the kernel)

    def _visible(self, name, value):
        if name.startswith("_") or name in ("In", "Out", "exit", "quit", "get_ipython"):
            return False
        return type(value).__name__ not in self.SKIP_TYPES

    def _shape(self, value):
        shape = getattr(value, "shape", None)
        if isinstance(shape, tuple) and len(shape) in (1, 2):
            return (shape[0], shape[1] if len(shape) == 2 else 1)
        if isinstance(value, dict):
            return (len(value), 2)
        if isinstance(value, (list, tuple, set, frozenset)):
            return (len(value), 1)
        return None

    def _summary(self, value):
        try:
            text = repr(value)
        except Exception as e:  # a broken __repr__ must not break the listing
            text = "<unrepresentable: %s>" % e
        text = " ".join(text.split())
        return text if len(text) <= self.SUMMARY else text[: self.SUMMARY - 1] + "\u2026"

    def _table(self, value):
        """Rows of raw values, their names and the column names, for lists, dicts, arrays and frames."""
        if isinstance(value, dict):
            return [[str(k), v] for k, v in value.items()], None, ["key", "value"]
        if hasattr(value, "iloc") and hasattr(value, "columns"):
            rows = [list(r) for r in value.itertuples(index=False)]
            return rows, [str(i) for i in value.index], [str(c) for c in value.columns]
        if hasattr(value, "tolist"):
            return [r if isinstance(r, list) else [r] for r in value.tolist()], None, None
        return [[x] for x in list(value)], None, None

    def _column(self, col, cols):
        if isinstance(col, int):
            return col
        return cols.index(str(col)) if cols and str(col) in cols else None

    def _keep(self, cell, f):
        if f.get("search") is not None and str(f["search"]).lower() not in str(cell).lower():
            return False
        for bound, ok in (("min", lambda a, b: a >= b), ("max", lambda a, b: a <= b)):
            if f.get(bound) is not None:
                try:
                    if not ok(float(cell), float(f[bound])):
                        return False
                except (TypeError, ValueError):
                    return False
        return True

    def _order(self, rows, cols, sort_by, ascending, filters):
        """Filters, then sorts (stable, numbers before text), keeping each row's original index."""
        indexed = list(enumerate(rows))
        for f in filters or []:
            c = self._column(f.get("col"), cols)
            if c is not None:
                indexed = [(i, r) for i, r in indexed if c < len(r) and self._keep(r[c], f)]
        keys = list(sort_by or [])
        asc = list(ascending or [])
        for n in range(len(keys) - 1, -1, -1):
            c = self._column(keys[n], cols)
            if c is None:
                continue
            up = asc[n] if n < len(asc) else True
            key = lambda ir: (0, ir[1][c], "") if isinstance(ir[1][c], (int, float)) else (1, 0, str(ir[1][c]))
            indexed.sort(key=key, reverse=not up)
        return indexed

    def _rows(self, value, page, page_size, sort_by=None, ascending=None, filters=None):
        rows, names, cols = self._table(value)
        indexed = self._order(rows, cols, sort_by, ascending, filters)
        start = page * page_size if page_size > 0 else 0
        end = start + page_size if page_size > 0 else len(indexed)
        shown = indexed[start:end]
        # dict keys show as text (key column), every other cell as its repr
        plain = 0 if isinstance(value, dict) else None
        data = [[str(x) if c == plain else self._summary(x) for c, x in enumerate(r)] for _, r in shown]
        row_names = [names[i] for i, _ in shown] if names else None
        return data, row_names, cols, end < len(indexed)

    def describe(self, name, value, preview=False, page=0, page_size=50, order=None):
        shape = self._shape(value)
        var = {"name": name, "type": type(value).__name__, "abbreviated": False, "has_next_page": False,
               "summary": self._summary(value)}
        if shape is None:
            var["value"] = {"single_value": var["summary"]}
            return var
        multi = {"row_count": shape[0], "column_count": shape[1], "column_names": None, "row_names": None,
                 "column_types": None, "data": None}
        if preview:
            data, rows, cols, more = self._rows(value, page, page_size, **(order or {}))
            multi.update(data=data, row_names=rows, column_names=cols)
            var["has_next_page"] = more
            var["abbreviated"] = more or page > 0
        var["value"] = {"multi_value": multi}
        return var

    def state(self):
        ns = self._user_ns()
        out = []
        for name in sorted(ns):
            value = ns[name]
            if self._visible(name, value):
                try:
                    out.append(self.describe(name, value))
                except Exception as e:
                    out.append({"name": name, "type": "Introspection Error", "abbreviated": False,
                                "has_next_page": False, "value": {"single_value": str(e)}, "summary": str(e)})
        print(_json.dumps({"cwd": _os.getcwd(), "vars": out}))

    def var(self, name, page, page_size, order=None):
        ns = self._user_ns()
        if name not in ns:
            print(_json.dumps({"missing": True}))
            return
        print(_json.dumps({"var": self.describe(name, ns[name], True, page, page_size, order)}))


___d1 = ___D1Introspect()
