"""Adapter layer: IBKR only. HTTP to the Flex Web Service and hardened XML reading.

Produces immutable raw payloads and records; never touches the database.
"""
