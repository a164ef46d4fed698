"""The dashboard server: only the dashboards, read-only, locked down; and `workbench dashboard`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tornado import web

from workbench.core.paths import NOTEBOOKS_DIR
from workbench.dashboards import server


@pytest.fixture
def cm(tmp_path):
    for name in (*server.DASHBOARDS, "assess_provider.ipynb", "portfolio.ipynb"):
        shutil.copy(NOTEBOOKS_DIR / name, tmp_path / name)
    (tmp_path / "sub").mkdir()
    shutil.copy(NOTEBOOKS_DIR / "assess_provider.ipynb", tmp_path / "sub" / "x.ipynb")
    return server.DashboardContentsManager(root_dir=str(tmp_path))


def test_root_lists_only_the_dashboards(cm):
    model = cm.get("")
    assert sorted(m["name"] for m in model["content"]) == sorted(server.DASHBOARDS)
    assert cm.get("", content=False)["type"] == "directory"


@pytest.mark.parametrize("path", ["assess_provider.ipynb", "portfolio.ipynb", "sub/x.ipynb",
                                  "sub", "../etc/passwd", "/assess_provider.ipynb"])
def test_other_files_are_hidden(cm, path):
    with pytest.raises(web.HTTPError) as err:
        cm.get(path)
    assert err.value.status_code == 404
    assert not cm.file_exists(path) and not cm.exists(path)


def test_dashboards_are_served(cm):
    for name in server.DASHBOARDS:
        assert cm.file_exists(name)
        assert cm.get(name)["type"] == "notebook"


def test_writes_are_refused(cm, tmp_path):
    model = cm.get(server.DASHBOARDS[0])
    before = (tmp_path / server.DASHBOARDS[0]).read_bytes()
    for call in (lambda: cm.save(model, server.DASHBOARDS[0]),
                 lambda: cm.save(model, "new.ipynb"),
                 lambda: cm.delete_file(server.DASHBOARDS[0]),
                 lambda: cm.rename_file(server.DASHBOARDS[0], "x.ipynb")):
        with pytest.raises(web.HTTPError) as err:
            call()
        assert err.value.status_code == 403
    assert (tmp_path / server.DASHBOARDS[0]).read_bytes() == before
    assert not (tmp_path / "new.ipynb").exists()


def test_server_argv():
    argv = server.server_argv(port=9999, token="s3cret", preheat=True, pool_size=2,
                              cull_idle_seconds=120)
    assert argv[0] == str(NOTEBOOKS_DIR)
    for expected in ("--port=9999", "--Voila.ip=127.0.0.1", "--no-browser",
                     "--VoilaConfiguration.show_tracebacks=False",
                     "--VoilaConfiguration.strip_sources=True",
                     "--MappingKernelManager.cull_idle_timeout=120", "--Voila.token=s3cret",
                     "--preheat_kernel=True", "--pool_size=2"):
        assert expected in argv
    headers = next(a for a in argv if a.startswith("--Voila.tornado_settings="))
    for name in server.SECURITY_HEADERS:
        assert name in headers
    deny = next(a for a in argv if "preheat_denylist" in a)
    assert "assess_provider" not in deny  # a pattern, not a list of names that goes stale
    cold = server.server_argv()
    assert not any("preheat" in a for a in cold) and "--Voila.token=" in cold


def test_preheat_denylist_matches_every_notebook_but_the_dashboards():
    import re

    deny = next(a for a in server.server_argv(preheat=True) if "preheat_denylist" in a)
    pattern = re.compile(deny.split("=['", 1)[1].rstrip("']"))
    root = NOTEBOOKS_DIR.resolve()
    for other in ("assess_provider.ipynb", "portfolio.ipynb", "sub/scorecard_dashboard.ipynb"):
        assert pattern.match(str(root / other))  # Voilà passes absolute paths
    for name in server.DASHBOARDS:
        assert not pattern.match(str(root / name))


def test_server_argv_needs_the_dashboards(tmp_path):
    from workbench.core.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="missing"):
        server.server_argv(root=tmp_path)


def test_ip_checks():
    assert server.is_loopback("127.0.0.1") and server.is_loopback("::1")
    assert not server.is_loopback("0.0.0.0")
    from workbench.core.errors import WorkbenchError

    with pytest.raises(WorkbenchError):
        server.check_ip("example.org")


def test_cli_refuses_a_public_address_without_a_token(cli):
    res = cli("dashboard", "--ip", "0.0.0.0", "--port", "18999")
    assert res.returncode != 0
    assert "token" in res.stderr and "Traceback" not in res.stderr
    res = cli("dashboard", "--ip", "not-an-ip")
    assert res.returncode != 0 and "not an IP address" in res.stderr


def test_pools_sized_per_dashboard_and_refilled_at_once():
    argv = server.server_argv(preheat=True)
    pools = next(a for a in argv if "kernel_pools_config" in a)
    for name, size in server.POOL_SIZES.items():
        assert f"'{name}': {{'pool_size': {size}}}" in pools
    assert "--VoilaKernelManager.fill_delay=0" in argv
    assert "--DashboardServer.max_kernels=3" in argv
    assert "--DashboardServer.unconnected_cull_seconds=20" in argv


def test_page_template_drops_exactly_the_cdn_stylesheets_voila_adds():
    """Our page template removes Voilà's two Font Awesome <link>s by their exact text: if a
    Voilà upgrade changes them, this fails rather than a CDN request coming back unnoticed."""
    import re
    import sys

    ours = (server.VOILA_TEMPLATES / "index.html.j2").read_text(encoding="utf-8")
    theirs = (Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab"
              / "index.html.j2").read_text(encoding="utf-8")
    links = re.findall(r'<link rel="stylesheet" href="https://[^"]+"[^>]*>', theirs)
    assert links, "Voilà's lab template no longer links a CDN stylesheet"
    for link in links:
        assert f"replace('{link}', '')" in ours
