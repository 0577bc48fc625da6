"""Screens of the budget module, one file per area: reference catalogues (classifier,
áreas, programs' catalogue rules, calendars), the budget year (formulation, initial budget,
modifications), analysis (execution, alerts, quarterly report), imports, and the links
between budget lines and investment projects."""
