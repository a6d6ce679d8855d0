"""Pandera models of the computed layers (model, sizing, quality)."""
