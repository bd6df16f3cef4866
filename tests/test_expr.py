import pandas as pd
import pytest

from report_gen.expr import ExpressionError, compile_expression


def test_vectorised_filter_over_columns():
    frame = pd.DataFrame(
        {
            "category": pd.array(["非公企业", "社会组织", "非公企业", None], dtype="string"),
            "above_scale": pd.array([True, None, False, True], dtype="boolean"),
            "employees": pd.array([60, 10, 5, None], dtype="Int64"),
        }
    )
    expr = compile_expression('category == "非公企业" and above_scale', frame.columns)
    assert expr.evaluate(dict(frame.items())).tolist() == [True, False, False, False]
    small = compile_expression("employees < 50", frame.columns).evaluate(dict(frame.items()))
    assert small.tolist() == [False, True, True, False]
    within = compile_expression('category in ["社会组织"]', frame.columns).evaluate(dict(frame.items()))
    assert within.tolist() == [False, True, False, False]


def test_scalar_formulas_and_division_by_zero():
    expr = compile_expression("a / b * 100", ["a", "b"])
    assert expr.evaluate({"a": 1, "b": 4}) == 25
    assert expr.evaluate({"a": 1, "b": 0}) is None
    assert expr.evaluate({"a": None, "b": 3}) is None
    assert compile_expression("x >= threshold").evaluate({"x": None, "threshold": 1}) is False


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "a.__class__",
        "(lambda: 1)()",
        "open('x')",
        "a[0]",
        "[x for x in y]",
        "exec('1')",
        "a if b else c",
        "f'{a}'",
    ],
)
def test_rejects_everything_outside_the_whitelist(text):
    with pytest.raises(ExpressionError):
        compile_expression(text)


def test_unknown_name_suggests_the_close_one():
    with pytest.raises(ExpressionError, match="did you mean 'party_members'"):
        compile_expression("party_member > 0", ["party_members", "employees"])
