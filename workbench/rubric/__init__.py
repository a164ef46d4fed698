"""Input layer: rubrics (sections, items, data checks) read from YAML and validated.

May import workbench.core only. ``load_rubric`` and ``Rubric`` are available here lazily."""

from typing import Any

__all__ = ["Rubric", "load_rubric"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from workbench.rubric import model

        return getattr(model, name)
    raise AttributeError(f"module 'workbench.rubric' has no attribute {name!r}")
