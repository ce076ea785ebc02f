"""What every layer may import: error types and process settings (imports nothing of genflow)."""
