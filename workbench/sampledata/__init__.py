"""Fictional sample data (not part of the library's analysis): provider profiles as data, the
register generator and writer, and sample assessments. May import every layer up to reports."""
