"""Pandera models of the curated layer: one per dataset folder in sources/."""
