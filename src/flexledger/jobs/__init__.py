"""Jobs layer: use cases (ingest, reprocess, snapshot) that own the unit of work."""
