"""The baseline: a bare Flask app answering {"ok": true}, served like the real one (gunicorn)."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def ok(path: str):
    """Read the body (as a real endpoint would) and answer the smallest JSON."""
    request.get_data()
    return {"ok": True}
