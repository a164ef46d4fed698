"""Input layer: the complaints register (schema, reader, mapping, dates, validation,
pseudonyms, identities, loader) and the providers manifest. May import workbench.core only.

``load_register`` and ``Register`` are available here lazily, so importing a light module
of this package (the manifest, say) does not import pandas."""

from typing import Any

__all__ = ["Register", "load_register"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from workbench.register import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'workbench.register' has no attribute {name!r}")
