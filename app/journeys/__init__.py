"""Journeys as screen documents (docs/architecture.md, "Screen documents"): the engine, the flow registry, the previews.

A journey lives in its domain as a `journey` module (app/verify/journey.py, app/guides/journey.py)
that builds a `Flow` of `Step`s and calls `registry.register(flow)`; the registry imports every
domain's journey, and the API (`/api/v1/flows/<name>`) and the previews (`preview.all_screens`)
pick it up.
"""
