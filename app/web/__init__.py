"""The request stack: the WSGI layers in front of Flask, built in one visible order by `stack.py`.

Read `stack.py` first: it lists the layers top (what the server calls) to bottom (Flask), one
line each. The other modules are those layers and the Flask class they wrap. This package
imports nothing at import time, so any module may import `app.web.notes`.
"""
