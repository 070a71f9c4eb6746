"""pristan/core/plans.py: what makes a plan a problem (its use on PostgreSQL: cases/tests/test_list_plans.py)."""

from pristan.core.plans import plan_problems


def test_a_sequential_scan_of_a_watched_table_is_a_problem() -> None:
    plan = {"Plan": {"Node Type": "Hash Join", "Total Cost": 10.0, "Plans": [
        {"Node Type": "Seq Scan", "Relation Name": "cases_case", "Total Cost": 9.0},
        {"Node Type": "Seq Scan", "Relation Name": "core_office", "Total Cost": 1.0},
    ]}}  # fmt: skip
    assert plan_problems(plan) == ["Seq Scan on cases_case"]
    assert plan_problems(plan, tables={"core_office"}) == ["Seq Scan on core_office"]


def test_a_sequential_scan_that_a_limit_stops_is_not() -> None:
    scan = {"Node Type": "Seq Scan", "Relation Name": "cases_case", "Total Cost": 9.0}
    assert plan_problems({"Plan": {"Node Type": "Limit", "Total Cost": 9.0, "Plans": [scan]}}) == []
    filtered = {**scan, "Filter": "(status = 'Closed')"}  # it may read every row to find the Limit's
    assert plan_problems({"Plan": {"Node Type": "Limit", "Total Cost": 9.0, "Plans": [filtered]}}) == ["Seq Scan on cases_case"]


def test_a_plan_costly_enough_for_jit_is_a_problem() -> None:
    plan = {"Plan": {"Node Type": "Index Scan", "Relation Name": "cases_case", "Total Cost": 150_000.0}}
    assert plan_problems(plan, jit_above_cost=100_000) == ["JIT (cost 150000, above jit_above_cost 100000)"]
    assert plan_problems(plan, jit_above_cost=-1) == []  # JIT switched off on the server
    assert plan_problems({**plan, "JIT": {"Functions": 4}}) != []
