"""Complaints Audit Workbench: audit and self-assessment of complaints handling."""
__version__ = "0.1.0"
