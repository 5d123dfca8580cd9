"""Who may do what, checked against the real demo for every operation the app serves.

Every operation declares a rule in ``api.policy``; the matrix runs each one as every
principal (each role, in and outside Shanghai, the driver of a Shanghai route and one who
does not drive it, nobody, an unknown and a revoked token) and expects what the rule
says: 401 for nobody signed in, 403 for a role the rule does not name or an object of
another warehouse (or a route the driver does not drive), success for the first allowed.
A refusal changes nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import policy
from api.cli import main
from tests.e2e import policy_cases as pc
from tests.e2e import policy_demo as pd
from wms.models import Role

ROOT = Path(__file__).resolve().parents[2]
TABLE_OUT = ROOT / "bench" / "out" / "policy_table.txt"


@pytest.fixture(scope="module", autouse=True)
def _timing(demo):
    # The file should stay near two minutes on the shared two-core machine (see with -s).
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    print(f"\ntest_policy.py: demo {demo.build_s:.0f} s + tests {took:.0f} s "
          f"= {demo.build_s + took:.0f} s")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> pd.Demo:
    t0 = time.monotonic()
    built = pd.build_demo(tmp_path_factory.mktemp("policy") / "demo.db")
    built.build_s = time.monotonic() - t0
    return built


@pytest.fixture(scope="session")
def operations(demo: pd.Demo) -> list[tuple[str, str, str, policy.Declared | None]]:
    app = pd.app_for(f"sqlite:///{demo.path}")
    try:
        return policy.operations(app)
    finally:
        pd.dispose(app)


@pytest.fixture(scope="session")
def case_table(demo: pd.Demo) -> dict[tuple[str, str], pc.Case]:
    return pc.cases(demo)


@pytest.fixture
def fresh(demo: pd.Demo, tmp_path: Path):
    """A copy of the demo of this test's own, and an app on it."""
    path = tmp_path / "demo.db"
    shutil.copy(demo.path, path)
    app = pd.app_for(f"sqlite:///{path}")
    yield path, app
    pd.dispose(app)


def _operations_without_the_app():
    # Parametrizing needs the list at collection time; the URL map does not depend on the
    # database, so an app on a path that is never opened gives the same operations.
    app = pd.app_for("sqlite:///policy-collection-never-opened.db")
    try:
        return [(m, r) for m, r, _, _ in policy.operations(app)]
    finally:
        pd.dispose(app)


OPERATIONS = _operations_without_the_app()


def _roles(spec: policy.Rule) -> str:
    return ",".join(r.value for r in Role if r in spec.roles)


def test_every_operation_declares_a_rule(operations):
    lines, undeclared = [], []
    for method, rule, endpoint, found in operations:
        public = (endpoint in policy.PUBLIC_ENDPOINTS
                  or endpoint.partition(".")[0] in policy.PUBLIC_BLUEPRINTS)
        if found is None and not public:
            undeclared.append(f"{method} {rule} ({endpoint})")
        name = found.name if found else ("public: framework view" if public else "NONE")
        spec = policy.RULES.get(found.name) if found else None
        lines.append(f"{method:<7}{rule:<58}{name:<24}"
                     f"{_roles(spec) if spec else '-':<42}"
                     f"{spec.scope.value if spec else '-':<10}{(found.on if found else '') or ''}")
    header = f"{'method':<7}{'path':<58}{'rule':<24}{'roles':<42}{'scope':<10}on"
    table = "\n".join([header, *lines]) + "\n"
    TABLE_OUT.parent.mkdir(parents=True, exist_ok=True)
    TABLE_OUT.write_text(table, encoding="utf-8")
    print("\n" + table)
    assert not undeclared, "operations without an access rule:\n" + "\n".join(undeclared)


def test_every_operation_has_a_case(operations, case_table):
    served = {(m, r) for m, r, _, _ in operations}
    missing = sorted(served - set(case_table))
    stale = sorted(set(case_table) - served)
    assert not missing, f"operations without a case in policy_cases.cases: {missing}"
    assert not stale, f"cases for operations the app does not serve: {stale}"


@pytest.mark.parametrize(("method", "rule"), OPERATIONS,
                         ids=[f"{m} {r}" for m, r in OPERATIONS])
def test_role_by_operation_matrix(method, rule, demo, operations, case_table, fresh, request):
    path, app = fresh
    case = case_table.get((method, rule))
    assert case is not None, f"no case for {method} {rule}"
    if case.xfail:
        request.applymarker(pytest.mark.xfail(reason=case.xfail, strict=True))
    endpoint, declared = next((e, d) for m, r, e, d in operations if (m, r) == (method, rule))
    access = pc.rule_of(endpoint, declared, case)
    wanted = {name: pc.expected(p, access, case) for name, p in demo.principals.items()}
    refused = [n for n, w in wanted.items() if w is not pc.ALLOWED]
    allowed = [n for n, w in wanted.items() if w is pc.ALLOWED]
    client = app.test_client

    for name in refused:
        before = pc.snapshot(path)
        resp = pc.request(client(), demo.principals[name], method, case)
        got = resp.status_code
        assert got == wanted[name], (f"{name}: {method} {case.path} answered {got}, the "
                                     f"rule {access[0]} says {wanted[name]}: "
                                     f"{resp.get_data(as_text=True)[:300]}")
        if got == pc.SIGN_IN:
            assert "/signin" in resp.headers["Location"]
        else:
            assert resp.mimetype in ("application/problem+json", "text/html"), resp.mimetype
        assert pc.snapshot(path) == before, f"{name}'s refused {method} {case.path} wrote"

    first = next((n for n in allowed if demo.principals[n].role not in (None, Role.ADMIN)),
                 None)
    # The first allowed acts on the demo as it is; the others after it may find it done.
    for name in sorted(allowed, key=lambda n: n != first):
        resp = pc.request(client(), demo.principals[name], method, case)
        got, body = resp.status_code, resp.get_data(as_text=True)[:400]
        if name == first:
            assert got in case.ok, f"{name}: {method} {case.path} answered {got}: {body}"
        else:
            assert got not in (401, 403) and got < 500, \
                f"{name} may ({access[0]}) but {method} {case.path} answered {got}: {body}"


# What of Shanghai or Guangzhou a list may carry: warehouse, location, vehicle, order and
# sensor codes (SH1-C-A01-01, WEB-SH1-..., QT-GZ1-F), pickup points (SH-P001) and lot codes
# (SH26120100211: the city, the receipt day, product and number).
# (City names would not do: every warehouse's time zone is Asia/Shanghai.)
FOREIGN = re.compile(r"\b(?:SH1|GZ1)\b|\b(?:SH|GZ)-P\d+|\b(?:SH|GZ)\d{11}\b")


def _foreign_marks(text: str) -> list[str]:
    return sorted(set(FOREIGN.findall(text)))


def _pages(app, person: pd.Principal, method: str, case: pc.Case, *, every: bool) -> str:
    """The list's text: every page (or the first and the last), 100 items a page."""
    def page(n: int | None):
        # Only paginated lists take page arguments: others refuse unknown parameters.
        paging = {} if n is None else {"page": n, "page_size": 100}
        query = {**(case.query or {}), **paging}
        resp = pc.request(app.test_client(), person, method,
                          pc.Case(**{**vars(case), "query": query}))
        assert resp.status_code == 200, f"{person.name}: {case.path} answered " \
                                        f"{resp.status_code}: {resp.get_data(as_text=True)}"
        return resp

    first = page(None)
    header = first.headers.get("X-Pagination")
    if header:
        first = page(1)
    texts = [first.get_data(as_text=True)]
    last = json.loads(header).get("last_page", 1) if header else 1
    for n in range(2, last + 1) if every else ([last] if last > 1 else []):
        texts.append(page(n).get_data(as_text=True))
    return "\n".join(texts)


def _own(case: pc.Case, code: str) -> pc.Case:
    """The case with its named warehouse's objects swapped for the principal's own."""
    if not case.query:
        return case
    query = json.loads(json.dumps(case.query).replace(pd.HOME, code).replace("SH-P", "BJ-P"))
    return pc.Case(**{**vars(case), "query": query, "names": False})


@pytest.mark.parametrize("who", ["staff-bj1", "dispatcher-bj1"])
def test_lists_do_not_leak_other_warehouses(who, demo, operations, case_table, fresh):
    _, app = fresh
    person, admin = demo.principals[who], demo.principals["admin"]
    checked, vacuous, leaks = [], [], {}
    for method, rule, endpoint, declared in operations:
        if method != "GET" or "<" in rule:
            continue
        case = _own(case_table[(method, rule)], pd.AWAY)
        access = pc.rule_of(endpoint, declared, case)
        spec = policy.RULES[access[0]]
        if spec.scope == policy.Scope.PUBLIC or person.role not in spec.roles:
            continue
        marks = _foreign_marks(_pages(app, person, method, case, every=True))
        if marks:
            leaks[rule] = marks[:10]
        checked.append(rule)
        admin_case = _own(case_table[(method, rule)], pd.HOME)
        if not _foreign_marks(_pages(app, admin, method, admin_case, every=False)):
            vacuous.append(rule)
    print(f"\n{who}: {len(checked)} lists checked ({', '.join(checked)}); where even "
          f"admin sees nothing of Shanghai or Guangzhou (the check proves little): {vacuous}")
    assert checked
    assert not leaks, f"{who} sees other warehouses' objects: {leaks}"


def test_nonexistent_objects_answer_404_and_change_nothing(demo, operations, case_table,
                                                         fresh):
    """The object a path names, made up: 404 for admin and for the first role allowed
    in Shanghai, never 403 (nothing there is anybody's)."""
    path, app = fresh
    adapter = app.url_map.bind("localhost")
    before = pc.snapshot(path)
    checked = []
    for method, rule, endpoint, declared in operations:
        if declared is None or declared.on is None:
            continue
        case = case_table[(method, rule)]
        _, args = adapter.match(case.path, method=method)
        key = policy.OWNER_ARGS[declared.on]
        args[key] = 987654321 if isinstance(args[key], int) else "NO-SUCH-OBJECT"
        missing = pc.Case(**{**vars(case), "path": adapter.build(endpoint, args,
                                                                 method=method)})
        access = pc.rule_of(endpoint, declared, missing)
        allowed = [n for n, p in demo.principals.items()
                   if p.role not in (None, Role.ADMIN)
                   and pc.expected(p, access, case) is pc.ALLOWED]
        for name in ["admin", *allowed[:1]]:
            resp = pc.request(app.test_client(), demo.principals[name], method, missing)
            assert resp.status_code == 404, (f"{name}: {method} {missing.path} answered "
                                             f"{resp.status_code}: "
                                             f"{resp.get_data(as_text=True)[:300]}")
        checked.append(f"{method} {rule}")
    assert len(checked) > 30, checked
    assert pc.snapshot(path) == before


def _readme_role_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- role-table:begin -->\n(.*?)\n<!-- role-table:end -->", text, re.S)
    assert found, "README.md lost its role-table markers"
    return found.group(1)


def test_readme_role_table_matches_the_policy():
    assert _readme_role_table() == policy.role_table(), \
        "README's role table differs from api.policy: paste the output of `wms policy table`"


def test_wms_policy_table_prints_the_role_table():
    result = CliRunner().invoke(main, ["policy", "table"])
    assert result.exit_code == 0, result.output
    assert result.output == policy.role_table() + "\n"
