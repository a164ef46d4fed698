"""The dashboard server: its own kernel-free pages and Voilà serving only the dashboard
notebooks, read-only, locked down."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from jupyter_core.utils import ensure_async
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from jupyter_server.utils import url_path_join
from tornado import ioloop, web
from traitlets import Int, List, Unicode
from voila.app import Voila
from voila.handler import BaseVoilaHandler

from workbench.core.errors import WorkbenchError
from workbench.core.paths import NOTEBOOKS_DIR

# Voilà's page template, without the CDN stylesheets, and the title and address-bar script
VOILA_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "voila"
# Preheated kernels per dashboard: a manager opening scorecards back to back takes one per
# page while the pool refills behind (a kernel is ready in a few seconds: it imports only what
# a page reading results.json needs), and each one costs ~190 MB: two warm scorecards (and at
# most 3 page kernels) kept ten pages back to back as fast as three, under 1.5 GiB in all
# (docs/benchmarks.md)
POOL_SIZES = {"scorecard_dashboard.ipynb": 2, "portfolio_dashboard.ipynb": 1}

DASHBOARDS = ("scorecard_dashboard.ipynb", "portfolio_dashboard.ipynb")
# Front-end extensions installed for JupyterLab (Altair's JupyterChart, code highlighting) that
# the dashboard pages do not use
UNUSED_EXTENSIONS = ("anywidget", "jupyterlab_pygments", "@voila-dashboards/jupyterlab-preview")

# Voilà's page and the widget manager use inline scripts and eval; everything else is same-origin
# only (no CDN: charts render from bundled code), and no other site may frame the dashboards.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class DashboardContentsManager(LargeFileManager):
    """A contents manager that shows only the dashboards and refuses every write."""

    dashboards = List(Unicode(), default_value=list(DASHBOARDS)).tag(config=True)

    def _is_dashboard(self, path: str) -> bool:
        return path.strip("/") in self.dashboards

    def get(self, path, content=True, type=None, format=None, **kwargs):
        if path.strip("/") == "":
            # List the dashboards only (the base listing would get() every file in the folder).
            base = super()
            model = base.get("", content=False, type="directory")
            if content:
                model["content"] = [base.get(d, content=False) for d in self.dashboards
                                    if base.file_exists(d)]
                model["format"] = "json"
            return model
        if not self._is_dashboard(path):
            raise web.HTTPError(404, "No such dashboard")
        return super().get(path, content=content, type=type, format=format, **kwargs)

    def file_exists(self, path=""):
        return self._is_dashboard(path) and super().file_exists(path)

    def dir_exists(self, path):
        return path.strip("/") == "" and super().dir_exists(path)

    def exists(self, path):
        return self.dir_exists(path) or self.file_exists(path)

    def save(self, model, path=""):
        raise web.HTTPError(403, "The dashboard server is read-only")

    def delete_file(self, path):
        raise web.HTTPError(403, "The dashboard server is read-only")

    def rename_file(self, old_path, new_path):
        raise web.HTTPError(403, "The dashboard server is read-only")


class SecurityHeaders(web.OutputTransform):
    """SECURITY_HEADERS on every response: Tornado's own error pages and static files too (the
    handlers' default headers do not reach those)."""

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value
        return status_code, headers, chunk


# One thread draws every server-rendered page: pages take a few milliseconds once warm, and the
# chart engine (vl-convert, for a chart the batch did not draw) is never entered twice at once.
_PAGES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-pages")


class PageHandler(BaseVoilaHandler):
    """A page the server renders itself (dashboards.pages), with no kernel: the landing page
    `/`, `/scorecard?provider=ID` and `/portfolio`, from the batch's results.json and the
    store, read when the page is asked for."""

    def initialize(self, **kwargs):
        self.page = kwargs.pop("page")
        super().initialize(**kwargs)

    @web.authenticated
    async def get(self) -> None:
        from workbench.dashboards import pages  # pandas and the results, on first use

        query = self.request.query
        args = {k: [v.decode("utf-8", "replace") for v in vs]
                for k, vs in self.request.query_arguments.items()}
        draw = {"landing": lambda: pages.landing_page(),
                "scorecard": lambda: pages.scorecard_page(query),
                "portfolio": lambda: pages.portfolio_page(args)}[self.page]
        html = await asyncio.get_running_loop().run_in_executor(_PAGES, draw)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.finish(html)


def warm_pages() -> None:
    """Import what the pages use and start the chart engine, before the first page is asked for
    (the first SVG drawn costs about a second)."""
    from workbench.dashboards import apps, pages  # noqa: F401

    apps.warm_up("svg", ("workbench.reports.portfolio",), charts_engine=True)


class DashboardServer(Voila):
    """Voilà with the dashboards-only contents manager, security headers on every response and
    a bounded number of kernels."""

    max_kernels = Int(6, help="Kernels at most (preheated ones aside): past it the oldest page "
                              "kernels no browser is connected to are shut down.").tag(config=True)
    unconnected_cull_seconds = Int(
        60, help="Shut down a page kernel no browser has connected to (or that every browser "
                 "left) after this many idle seconds.").tag(config=True)

    def setup_template_dirs(self):
        super().setup_template_dirs()
        # our index.html.j2 first; it extends Voilà's own "lab/index.html.j2"
        self.template_paths = [str(VOILA_TEMPLATES), *self.template_paths]

    def init_handlers(self):
        handlers = [h for h in super().init_handlers()
                    if not (h[0] == self.server_url and "TreeHandler" in h[1].__name__)]
        return [*((url_path_join(self.server_url, path), PageHandler,
                   {"voila_configuration": self.voila_configuration, "page": page})
                  # no trailing slash: the pages' links are relative to the server's root
                  for path, page in ((r"/?", "landing"), (r"/scorecard", "scorecard"),
                                     (r"/portfolio", "portfolio"))),
                *handlers]

    def init_settings(self):
        settings = super().init_settings()
        self.contents_manager = DashboardContentsManager(parent=self, root_dir=self.root_dir)
        settings["contents_manager"] = self.contents_manager
        return settings

    def listen(self):
        self.app.add_transform(SecurityHeaders)
        ioloop.PeriodicCallback(self.bound_kernels, 5_000).start()
        _PAGES.submit(warm_pages)
        super().listen()

    async def bound_kernels(self) -> list[str]:
        """Shut down page kernels nobody is connected to: those idle past
        ``unconnected_cull_seconds``, and, past ``max_kernels``, the longest idle (idle at least
        a few seconds, so a page still being drawn is left alone). Returns the ids shut down."""
        km = self.kernel_manager
        pooled = set()
        for pool in getattr(km, "_pools", {}).values():  # preheated kernels wait unconnected
            for item in pool:
                if item.done() and not item.exception():
                    pooled.add(item.result().get("kernel_id"))
        now = datetime.now(UTC)
        unconnected: list[tuple[float, str]] = []
        count = 0
        for kernel_id in list(km.list_kernel_ids()):
            if kernel_id in pooled:
                continue
            count += 1
            model = km.kernel_model(kernel_id)
            if model.get("connections", 0):
                continue
            last = km.get_kernel(kernel_id).last_activity
            idle = (now - last).total_seconds() if last else 0.0
            unconnected.append((idle, kernel_id))
        unconnected.sort(reverse=True)
        doomed = [k for idle, k in unconnected if idle > self.unconnected_cull_seconds]
        spare = [k for idle, k in unconnected if idle > 5 and k not in doomed]
        doomed += spare[:max(0, count - len(doomed) - self.max_kernels)]
        for kernel_id in doomed:
            self.log.info("Shutting down kernel %s (no browser connected)", kernel_id)
            await ensure_async(km.shutdown_kernel(kernel_id))
        return doomed


def pool_config(pool_size: int | None, root: Path) -> dict[str, dict[str, int]]:
    """Voilà's kernel_pools_config: POOL_SIZES per dashboard (``pool_size`` for each, when
    given), keyed by the notebook's path as Voilà names it."""
    return {name: {"pool_size": pool_size or size} for name, size in POOL_SIZES.items()}


def server_argv(*, port: int = 8866, ip: str = "127.0.0.1", token: str | None = None,
                preheat: bool = False, pool_size: int | None = None,
                cull_idle_seconds: int = 600, root: Path = NOTEBOOKS_DIR,
                open_browser: bool = False, max_kernels: int = 3,
                unconnected_cull_seconds: int = 20) -> list[str]:
    """The Voilà command-line arguments for the dashboard server (tested; launch uses them)."""
    missing = [d for d in DASHBOARDS if not (root / d).exists()]
    if missing:
        raise WorkbenchError(f"dashboard notebook(s) missing: {', '.join(missing)}", path=root)
    header_cfg = "{" + ", ".join(f'"{k}": "{v}"' for k, v in SECURITY_HEADERS.items()) + "}"
    # Voilà matches the deny patterns against each notebook's absolute path: every notebook but
    # the two dashboards at the root is kept out of the preheated pool (never run in advance).
    not_dashboards = (f"^(?!{re.escape(str(root.resolve()))}/("
                      + "|".join(re.escape(d) for d in DASHBOARDS) + ")$).*")
    argv = [
        str(root),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--no-browser" if not open_browser else "",
        f"--Voila.tornado_settings={{'headers': {header_cfg}}}",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.file_allowlist=[]",
        # the dashboards draw charts as inline SVG: no page needs these front-end extensions,
        # and not loading them shortens every page load
        f"--VoilaConfiguration.extension_denylist={list(UNUSED_EXTENSIONS)}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
        "--MappingKernelManager.cull_interval=60",
        f"--DashboardServer.max_kernels={max_kernels}",
        f"--DashboardServer.unconnected_cull_seconds={unconnected_cull_seconds}",
        f"--Voila.token={token or ''}",
    ]
    if preheat:
        # Refill at once: a request takes the oldest kernel of the pool, ready or still
        # starting, so a refill started early is what keeps back-to-back pages fast.
        pools = pool_config(pool_size, root)
        argv += ["--preheat_kernel=True", f"--pool_size={pool_size or 1}",
                 f"--VoilaKernelManager.kernel_pools_config={pools!r}",
                 "--VoilaKernelManager.fill_delay=0",
                 f"--VoilaKernelManager.preheat_denylist=['{not_dashboards}']"]
    return [a for a in argv if a]


def check_ip(ip: str) -> None:
    """Refuse a malformed address; binding beyond loopback needs a token (checked by the caller)."""
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise WorkbenchError(f"not an IP address: {ip!r}") from None


def is_loopback(ip: str) -> bool:
    return ipaddress.ip_address(ip).is_loopback


def new_token() -> str:
    return secrets.token_urlsafe(24)


def serve(argv: Sequence[str]) -> None:
    """Run the dashboard server until interrupted."""
    DashboardServer.launch_instance(argv=list(argv))
