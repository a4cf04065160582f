"""Municipal settlement: period close, benefit offsets, municipal reports and payouts."""
