"""Repository-wide pytest policy: a skipped test (or notebook) is a failure, not a pass."""

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        names = ", ".join(report.nodeid for report in skipped[:10])
        print(f"\n{len(skipped)} test(s) skipped; in this project a skip is a failure: {names}")
        session.exitstatus = 1
