"""A rehearsal of docs/deploy.md: deploy on this machine by the guide, prove the result from outside.

`python3 tools/dev.py rehearse` (or `.venv/bin/python -m tools.rehearsal`); see docs/deploy.md §12.
"""
