"""Mapping layer: pure functions from raw Flex records to canonical events."""
