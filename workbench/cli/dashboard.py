"""`workbench dashboard`: serve the Voilà dashboards (and nothing else) on 127.0.0.1."""

from __future__ import annotations

import os

import click

from workbench.cli import main
from workbench.core.errors import WorkbenchError
from workbench.core.paths import CHART_CACHE_ENV, chart_cache_dir


@main.command("dashboard")
@click.option("--port", default=8866, show_default=True, type=click.IntRange(1, 65535))
@click.option("--ip", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback requires a token.")
@click.option("--token", envvar="WORKBENCH_DASHBOARD_TOKEN", default=None,
              help="Access token (or WORKBENCH_DASHBOARD_TOKEN); --token auto makes one.")
@click.option("--preheat/--no-preheat", default=True, show_default=True,
              help="Keep a warm kernel per dashboard so pages open fast.")
@click.option("--pool-size", "pool_size", default=None, type=click.IntRange(1, 6),
              help="Warm kernels kept per dashboard (with --preheat; default 3 for the "
                   "scorecard, 1 for the portfolio).")
@click.option("--cull-idle", "cull_idle", default=600, show_default=True, type=int,
              help="Shut down kernels idle for this many seconds.")
@click.option("--max-kernels", "max_kernels", default=3, show_default=True,
              type=click.IntRange(1, 64),
              help="Page kernels at most (warm ones aside): past it, those no browser is "
                   "connected to are shut down, longest idle first.")
@click.option("--unconnected-cull", "unconnected_cull", default=20, show_default=True,
              type=click.IntRange(5), help="Shut down a page kernel no browser is connected to "
                                           "after this many idle seconds.")
def dashboard(port: int, ip: str, token: str | None, preheat: bool, pool_size: int | None,
              cull_idle: int, max_kernels: int, unconnected_cull: int) -> None:
    """Serve the scorecard and portfolio dashboards with Voilà (read-only)."""
    from workbench.dashboards import server

    server.check_ip(ip)
    if token == "auto":
        token = server.new_token()
    if not server.is_loopback(ip) and not token:
        raise WorkbenchError(f"binding to {ip} exposes the dashboards beyond this machine: "
                             "give --token (or --token auto)")
    argv = server.server_argv(port=port, ip=ip, token=token, preheat=preheat,
                              pool_size=pool_size, cull_idle_seconds=cull_idle,
                              max_kernels=max_kernels, unconnected_cull_seconds=unconnected_cull)
    suffix = f"?token={token}" if token else ""
    click.echo(f"Dashboards: http://{ip}:{port}/{suffix}")
    click.echo(f"Scorecard: http://{ip}:{port}/voila/render/scorecard_dashboard.ipynb{suffix}")
    click.echo(f"Portfolio: http://{ip}:{port}/voila/render/portfolio_dashboard.ipynb{suffix}")
    os.environ.setdefault("WORKBENCH_READ_ONLY", "1")
    # the charts the batch drew are read from its cache (dashboards never write to it)
    os.environ.setdefault(CHART_CACHE_ENV, str(chart_cache_dir()))
    server.serve(argv)
