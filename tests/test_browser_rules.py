"""What the browser tests must do so that every one of them runs under the pages' real Content-Security-Policy
(farm/headers.py: no 'unsafe-eval'), checked on the tests' source (AST, no browser).

Playwright runs `page.evaluate`, `eval_on_selector(_all)`, locators, `expect()` and init scripts through the
DevTools protocol, which the page's CSP does not govern. `wait_for_function` is the exception: a predicate given as
a bare expression ("document.x === 1") is evaluated again from its text at each poll, which the CSP refuses as
soon as the first check is false (EvalError), so a test would pass or fail by timing. The same predicate in
function form ("() => document.x === 1") is compiled once and polls under the CSP. Hence: no context bypasses the
CSP, and every predicate is a function.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).parent
FUNCTION_FORM = re.compile(r"\s*(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)")


def leading_text(node: ast.expr) -> str | None:
    """The text a string argument starts with (a literal, or an f-string's first literal part)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return node.values[0].value
    return None


def bare_predicates(source: str) -> list[int]:
    """Lines calling wait_for_function with anything but a predicate written in place in function form."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "wait_for_function" and node.args:
            text = leading_text(node.args[0])
            if text is None or not FUNCTION_FORM.match(text):
                lines.append(node.lineno)
    return lines


def test_no_browser_context_bypasses_the_csp():
    found = [f"{path.relative_to(TESTS)}:{n}" for path in sorted(TESTS.rglob("*.py")) if path != Path(__file__)
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "bypass_csp" in line]
    assert found == []


def test_every_wait_for_function_predicate_is_a_function():
    found = [f"{path.relative_to(TESTS)}:{n}" for path in sorted(TESTS.rglob("*.py"))
             for n in bare_predicates(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_predicate_check_can_fail():
    source = '''
page.wait_for_function("document.querySelectorAll('li').length === 2")
page.wait_for_function(f"{chart}.data.length === 3")
page.wait_for_function(CHART.format("x"))
page.wait_for_function("() => document.title")
page.wait_for_function("n => n > 1", arg=2)
page.wait_for_function("async function () { return 1 }")
page.wait_for_function(f"() => {chart}.data.length === 3")
'''
    assert bare_predicates(source) == [2, 3, 4]
