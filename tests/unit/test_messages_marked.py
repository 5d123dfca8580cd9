"""Error messages people read are marked for translation, checked on the source with ``ast``.

A domain error's message reaches the API's problem details and the pages. Marked with
``N_`` (``wms.i18n``) it is translated into the reader's language; an f-string stays
English for a Chinese reader. So in ``wms``, ``coldchain`` and ``routing`` no f-string
may be the message of a domain error, sit in the field errors given to
``ValidationFailed``, or be put into a variable that is then raised (``errors[...] =
[f"..."]``, ``errors.setdefault(...).append(f"...")``, ``why = f"..."``), or be given to
a helper of that function that adds it to them (``err("sku", f"...")``). Messages built in
another function and returned to the one that raises are not followed: review those.

The pure cores (``routing.engine``, ``coldchain.analysis``) may not import ``wms`` (see
test_layers.py), so they cannot mark their messages and are not scanned.

Every failure names the file, the line and the f-string.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("wms", "coldchain", "routing")
PURE = ("routing/engine", "coldchain/analysis")

# The domain errors (wms.errors and their subclasses) and the scanner's error, whose
# message becomes a field error.
MESSAGE_ERRORS = frozenset({
    "DomainError", "ValidationFailed", "NotFound", "Forbidden", "Conflict",
    "InsufficientStock", "MoveRefused", "QueueUnavailable", "ScanError",
})
MESSAGE_KEYWORDS = ("detail", "message", "errors")
ADDING = ("append", "extend", "insert", "add", "update", "setdefault")
MARKERS = ("N_", "Msg")


def modules() -> list[Path]:
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not any(relative == p or relative.startswith(p + "/") for p in PURE):
                found.append(path)
    return found


def called(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def f_strings(node: ast.AST | None) -> list[ast.JoinedStr]:
    """The f-strings that would be the message text of ``node``: the node itself, the
    branches of a conditional, the parts of a concatenation, the items of a list, a
    dict's values (its keys are field names), a comprehension's items. A call's own
    arguments (``N_(...)``, ``", ".join(...)``) are not message text and are not entered."""
    if node is None:
        return []
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.IfExp):
        return f_strings(node.body) + f_strings(node.orelse)
    if isinstance(node, ast.BinOp):
        return f_strings(node.left) + f_strings(node.right)
    if isinstance(node, ast.BoolOp):
        return [s for v in node.values for s in f_strings(v)]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for e in node.elts for s in f_strings(e)]
    if isinstance(node, ast.Dict):
        return [s for v in node.values for s in f_strings(v)]
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        return f_strings(node.elt)
    if isinstance(node, ast.DictComp):
        return f_strings(node.value)
    if isinstance(node, ast.Starred):
        return f_strings(node.value)
    return []


def messages_given(call: ast.Call) -> list[ast.AST]:
    """What a domain error is given as its message (and field errors)."""
    given: list[ast.AST] = list(call.args[:1])
    given += [k.value for k in call.keywords if k.arg in MESSAGE_KEYWORDS]
    return given


def names_in(node: ast.AST) -> set[str]:
    """Variables whose value becomes part of the message: the node itself if a name, and
    the names among the message parts of a dict/list/concatenation."""
    if isinstance(node, ast.Name):
        return {node.id}
    out: set[str] = set()
    if isinstance(node, ast.IfExp):
        return names_in(node.body) | names_in(node.orelse)
    if isinstance(node, ast.BinOp):
        return names_in(node.left) | names_in(node.right)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        for e in node.elts:
            out |= names_in(e)
    elif isinstance(node, ast.Dict):
        for v in node.values:
            out |= names_in(v)
    elif isinstance(node, ast.Starred | ast.Subscript):
        out |= names_in(node.value)
    elif isinstance(node, ast.Call) and called(node) not in MARKERS:
        # ``dict(sorted(errors.items()))``: the errors still end up in the message.
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            out |= names_in(arg)
        if isinstance(node.func, ast.Attribute):
            out |= names_in(node.func.value)
    return out


def base_name(node: ast.AST) -> str | None:
    """``errors`` for ``errors``, ``errors[k]`` and ``errors.setdefault(k, [])``."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "setdefault":
            node = node.func.value
        else:
            return None


def adding(call: ast.Call) -> list[ast.expr]:
    """What a call such as errors.append(x) adds: x, but not the key or index of
    setdefault(key, x) and insert(i, x)."""
    assert isinstance(call.func, ast.Attribute)
    return call.args[1:] if call.func.attr in ("insert", "setdefault") else call.args


def scopes(tree: ast.Module) -> list[ast.AST]:
    return [tree, *(n for n in ast.walk(tree)
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]


def reporter(where: str):
    """Where found f-strings are kept (by position, each once), and the function adding them."""
    found: dict[tuple[int, int], str] = {}

    def report(strings: list[ast.JoinedStr]) -> None:
        for s in strings:
            found[(s.lineno, s.col_offset)] = f"{where}:{s.lineno}: {ast.unparse(s)}"

    return found, report


def unmarked(source: str, where: str = "<source>") -> list[str]:
    """``file:line: f-string`` for every f-string that is, or is put into, the message of a
    domain error: directly, through a variable of the same function that is raised, or
    through a helper defined there that adds its argument to that variable
    (``def err(key, message): errors.setdefault(key, []).append(message)``)."""
    tree = ast.parse(source)
    found, report = reporter(where)

    for scope in scopes(tree):
        body = list(ast.walk(scope))
        raised: set[str] = set()
        for node in body:
            if called(node) in MESSAGE_ERRORS:
                for given in messages_given(node):
                    report(f_strings(given))
                    raised |= names_in(given)
        if not raised:
            continue
        helpers: dict[str, tuple[int, str]] = {}
        for node in body:
            if isinstance(node, ast.FunctionDef) and node is not scope:
                params = [a.arg for a in node.args.args]
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) \
                            and sub.func.attr in ADDING and base_name(sub.func.value) in raised:
                        for arg in adding(sub):
                            if isinstance(arg, ast.Name) and arg.id in params:
                                helpers[node.name] = (params.index(arg.id), arg.id)
        for node in body:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in helpers:
                index, param = helpers[node.func.id]
                given = node.args[index:index + 1]
                given += [k.value for k in node.keywords if k.arg == param]
                for arg in given:
                    report(f_strings(arg))
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(base_name(t) in raised for t in targets):
                    report(f_strings(node.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ADDING and base_name(node.func.value) in raised:
                for arg in adding(node):
                    report(f_strings(arg))
    return [found[k] for k in sorted(found)]


def test_error_messages_people_read_are_marked_for_translation():
    problems = []
    for path in modules():
        problems += unmarked(path.read_text(encoding="utf-8"),
                             path.relative_to(ROOT).as_posix())
    assert not problems, (
        f"{len(problems)} error message(s) are f-strings and stay English for a Chinese "
        "reader; write N_(\"... {name} ...\", name=value) (wms.i18n) and run `make "
        "translations`:\n" + "\n".join(problems))


def test_the_pure_cores_are_left_out_and_the_rest_is_scanned():
    scanned = {p.relative_to(ROOT).as_posix() for p in modules()}
    assert "wms/stock.py" in scanned and "routing/dispatch/plans.py" in scanned
    assert not any(s.startswith(PURE) for s in scanned)


# The check itself, on made-up code: each way of raising an f-string must be found.

@pytest.mark.parametrize("source", [
    'raise NotFound(f"no lot with id {lot_id}")',
    'raise Conflict(f"lot {code} is held" if held else f"lot {code} is gone")',
    'raise errors.Forbidden(detail=f"your role ({role}) may not do this")',
    'raise ValidationFailed({"lot": [f"no lot {code}"]})',
    'raise ValidationFailed({"json": {"lines": [f"line {n} is wrong"]}})',
    'raise ValidationFailed({f"lines[{i}]": [f"no product {sku}"] for i, sku in bad})',
    'raise ScanError(f"{code} is not a GTIN", field="gtin")',
    'raise MoveRefused(f"{name} is on hold" + why)',
    'def f():\n    errors = {}\n    errors["sku"] = [f"no product {sku}"]\n'
    '    raise ValidationFailed(errors)',
    'def f():\n    errors = {}\n    errors.setdefault("sku", []).append(f"no {sku}")\n'
    '    if errors:\n        raise ValidationFailed(errors)',
    'def f():\n    why = f"lot {lot} is held"\n    raise Conflict(why)',
    'def f():\n    why = []\n    why.append(f"missing {m}")\n'
    '    raise ValidationFailed({"line 1": why})',
    'def f():\n    missing = {k: [f"no reading at {k}"] for k in ks}\n'
    '    raise ValidationFailed(dict(list(missing.items())[:100]))',
    'def f():\n    errors = {}\n\n    def err(key, message):\n'
    '        errors.setdefault(key, []).append(message)\n\n'
    '    err("sku", f"no product {sku!r}")\n    raise ValidationFailed(errors)',
])
def test_an_unmarked_message_is_reported(source):
    problems = unmarked(source, "made_up.py")
    assert problems and all(p.startswith("made_up.py:") for p in problems), problems


@pytest.mark.parametrize("source", [
    'raise NotFound(N_("no lot with id {lot_id}", lot_id=lot_id))',
    'raise ValidationFailed({f"lines[{i}].sku": [N_("no product {sku}", sku=sku)]})',
    'raise ValidationFailed({"lot": [N_("lot {code}", code=f"{a}-{b}")]})',
    'raise ValueError(f"separator {sep!r} must be one character")',  # not for people
    'def f():\n    key = f"lines[{i}]"\n    errors = {key: [N_("no product")]}\n'
    '    raise ValidationFailed(errors)',
    'def f():\n    log.info(f"{n} lots held")\n    raise Conflict(N_("held"))',
])
def test_a_marked_message_and_other_f_strings_are_not_reported(source):
    assert unmarked(source, "made_up.py") == []


# Texts the software stores for people to read later (alerts, hold reasons, the reasons of
# moves it writes): kept as messages (``wms.models.base.MessageText``), they are read in
# each reader's language; an f-string is stored as English for everyone.
STORED_KEYWORDS = frozenset({"message", "reason", "status_reason", "resolution_comment"})
STORING_CALLS = frozenset({"Alert", "record_move", "hold_lot", "release_lot", "list_lot"})
STORED_ATTRIBUTES = frozenset({"message", "status_reason", "resolution_comment",
                               "evaluation_error"})


def unmarked_stored(source: str, where: str = "<source>") -> list[str]:
    """``file:line: f-string`` for every f-string the software stores as a text for people:
    given to a storing call (``Alert(message=...)``, ``record_move(reason=...)``, the
    reason of ``hold_lot``), assigned to such an attribute, or put in a variable of the
    same function that is given to one of them."""
    tree = ast.parse(source)
    found, report = reporter(where)

    for scope in scopes(tree):
        body = list(ast.walk(scope))
        stored: set[str] = set()
        for node in body:
            given: list[ast.AST] = []
            if isinstance(node, ast.Call) and called(node) in STORING_CALLS:
                given = [k.value for k in node.keywords if k.arg in STORED_KEYWORDS]
                if called(node) in ("hold_lot", "release_lot"):
                    given += node.args[2:3]
            elif isinstance(node, ast.Assign):
                pairs = zip(node.targets[0].elts, node.value.elts, strict=False) \
                    if isinstance(node.targets[0], ast.Tuple) \
                    and isinstance(node.value, ast.Tuple) else \
                    [(t, node.value) for t in node.targets]
                given = [v for t, v in pairs if isinstance(t, ast.Attribute)
                         and t.attr in STORED_ATTRIBUTES]
            for value in given:
                report(f_strings(value))
                stored |= names_in(value)
        for node in body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in stored for t in node.targets):
                report(f_strings(node.value))
    return [found[k] for k in sorted(found)]


def test_texts_stored_for_people_are_marked_for_translation():
    problems = []
    for path in modules():
        problems += unmarked_stored(path.read_text(encoding="utf-8"),
                                    path.relative_to(ROOT).as_posix())
    assert not problems, (
        f"{len(problems)} stored text(s) are f-strings and are read in English by every "
        "reader; write N_(\"... {name} ...\", name=value) (wms.i18n):\n" + "\n".join(problems))


@pytest.mark.parametrize("source", [
    'session.add(Alert(kind="x", message=f"lot {code} held"))',
    'record_move(session, kind=k, lot=lot, quantity=1, reason=f"recall: {why}")',
    'hold_lot(session, lot.id, f"cold-chain exposure: {why}", actor_id=None)',
    'lot.status, lot.status_reason = LotStatus.HOLD, f"held: {why}"',
    'def f():\n    why = f"moved into {code}"\n    hold_lot(session, lot_id, why, actor_id=None)',
    'alert.resolution_comment = f"evaluated at {now}"',
])
def test_an_unmarked_stored_text_is_reported(source):
    problems = unmarked_stored(source, "made_up.py")
    assert problems and all(p.startswith("made_up.py:") for p in problems), problems


@pytest.mark.parametrize("source", [
    'session.add(Alert(kind="x", message=N_("lot {code} held", code=code)))',
    'record_move(session, kind=k, lot=lot, quantity=1, reason=reason.strip())',
    'key = f"lot:{lot_id}"\nsession.add(Alert(finding_key=key, message=N_("held")))',
])
def test_a_marked_stored_text_is_not_reported(source):
    assert unmarked_stored(source, "made_up.py") == []
