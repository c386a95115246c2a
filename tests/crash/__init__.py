"""Crash consistency (RELIABILITY T07, T12) and concurrent triggers (T09, T11)."""
