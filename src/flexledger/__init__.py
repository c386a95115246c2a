"""Auditable portfolio ledger for Interactive Brokers Flex data."""

__version__ = "0.1.0"
