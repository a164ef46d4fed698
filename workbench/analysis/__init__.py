"""Analysis layer: working days, periods, KPIs, root causes, themes, actions and their charts.

May import workbench.core, workbench.register and workbench.rubric."""
