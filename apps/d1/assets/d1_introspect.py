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

    def _rows(self, value, page, page_size):
        if isinstance(value, dict):
            items = [[str(k), self._summary(v)] for k, v in value.items()]
            names, cols = None, ["key", "value"]
        elif hasattr(value, "iloc") and hasattr(value, "columns"):
            items = [[self._summary(x) for x in row] for row in value.itertuples(index=False)]
            names = [str(i) for i in value.index]
            cols = [str(c) for c in value.columns]
        elif hasattr(value, "tolist"):
            items = [[self._summary(x) for x in (r if isinstance(r, list) else [r])] for r in value.tolist()]
            names, cols = None, None
        else:
            items = [[self._summary(x)] for x in list(value)]
            names, cols = None, None
        start = page * page_size if page_size > 0 else 0
        end = start + page_size if page_size > 0 else len(items)
        return items[start:end], (names[start:end] if names else None), cols, end < len(items)

    def describe(self, name, value, preview=False, page=0, page_size=50):
        shape = self._shape(value)
        var = {"name": name, "type": type(value).__name__, "abbreviated": False, "has_next_page": False,
               "summary": self._summary(value)}
        if shape is None:
            var["value"] = {"single_value": var["summary"]}
            return var
        multi = {"row_count": shape[0], "column_count": shape[1], "column_names": None, "row_names": None,
                 "column_types": None, "data": None}
        if preview:
            data, rows, cols, more = self._rows(value, page, page_size)
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

    def var(self, name, page, page_size):
        ns = self._user_ns()
        if name not in ns:
            print(_json.dumps({"missing": True}))
            return
        print(_json.dumps({"var": self.describe(name, ns[name], True, page, page_size)}))


___d1 = ___D1Introspect()
