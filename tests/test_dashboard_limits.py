"""Dashboard kernels are bounded and every response carries the security headers (issue 15
item 9): page kernels no browser connects to are shut down, at most --max-kernels live at
once, and Tornado's own 404 page and the static files get the headers too."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard_setup import dashboard_server
from workbench.dashboards.server import SECURITY_HEADERS

PAGE = "/voila/render/scorecard_dashboard.ipynb"


def kernels_under(pid: int) -> list[int]:
    """Kernel processes descending from ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def descends(p: int) -> bool:
        while p in parents and p > 1:
            p = parents[p]
            if p == pid:
                return True
        return False

    return [p for p, cmd in commands.items() if "ipykernel" in cmd and descends(p)]


def until(check, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.5)
    return check()


def headers_of(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to count the server's kernel processes")
    tmp = tmp_path_factory.mktemp("dash-limits")
    with dashboard_server(tmp, outputs=tmp / "outputs", db=str(tmp / "none.db"),
                          extra=("--max-kernels", "2", "--unconnected-cull", "5")) as running:
        yield running


@pytest.mark.slow
def test_unconnected_kernels_are_capped_then_culled(server):
    base, proc = server
    for _ in range(4):  # four page views whose browsers never connect (no websocket)
        status, _ = headers_of(base + PAGE)
        assert status == 200
    # at most 2 once the ones past the cap have been idle a few seconds
    assert until(lambda: len(kernels_under(proc.pid)) <= 2, 30), kernels_under(proc.pid)
    # and none once idle past --unconnected-cull
    assert until(lambda: not kernels_under(proc.pid), 40), kernels_under(proc.pid)
    assert proc.poll() is None  # the server itself goes on


@pytest.mark.slow
def test_security_headers_on_error_pages_and_static_files(server):
    base, _ = server
    status, headers = headers_of(base + "/no/such/page")
    assert status == 404
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    with urllib.request.urlopen(base + PAGE, timeout=60) as resp:
        page = resp.read().decode()
    static = re.findall(r'(?:src|href)="(/voila/static/[^"?]+)', page)
    assert static, "the page links no static file"
    status, headers = headers_of(base + static[0])
    assert status == 200
    assert headers.get("Content-Security-Policy") == SECURITY_HEADERS["Content-Security-Policy"]
    assert headers.get("X-Content-Type-Options") == "nosniff"
