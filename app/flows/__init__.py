"""Journeys as screen documents (design.md §4): the engine, the flow registry and the journeys.

To add a journey, write a module here that builds a `Flow` of `Step`s and calls
`registry.register(flow)`; the registry imports every module of this package, and the API
(`/api/v1/flows/<name>`) and the previews (`preview.all_screens`) pick it up.
"""
