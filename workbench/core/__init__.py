"""Base layer: errors, YAML reading, atomic writes, project paths and pure-function caches.

May import nothing of workbench's but itself (the standard library and PyYAML only)."""
