"""Test helpers that are not fixtures (the TCP proxy for fault tests, bounded waits)."""
