"""Human-facing reports of a plan: the 排班表 workbook and the coverage chart."""
