"""The harness's test builds a database and starts processes: minutes on a shared machine, so it
runs only when asked for (`pytest -m bench bench/tests`), not with the rest of the suite."""

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "bench" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="the benchmark harness runs only with -m bench")
    for item in items:
        if item.get_closest_marker("bench"):
            item.add_marker(skip)
