"""Batch layer: the notebook runner (papermill on warm or cold kernels) and the batch driver
across providers. May import every layer below it; only workbench.cli imports it."""
