"""Scoring layer: assessments against a rubric, the store, the scoring form, data-check
contradictions and the offline Excel form. May import core, register, rubric and analysis."""
