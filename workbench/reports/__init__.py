"""Reports layer: provider results, the pack (scorecard.xlsx, report charts, HTML governance
reports and their templates), redaction, the portfolio and provenance. May import every layer
below it: core, register, rubric, analysis and scoring."""
