"""Price tables, cost estimates and power tuning."""
