"""Add-on descriptors: how domains (stocks now, options later) plug into the core.

Nothing below this package imports it; the composition root reads the descriptors
and fills the mapper and book registries from them.
"""
