"""Dashboards layer: the Voilà scorecard and portfolio apps and the server that hosts them.

May import reports and every layer below it; nothing imports the dashboards but batch/cli."""
