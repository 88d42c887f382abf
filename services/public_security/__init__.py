"""公安 (public security): receives case transfers, signs receipts, decides on filing, investigates."""
