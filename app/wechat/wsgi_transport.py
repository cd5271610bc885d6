"""A requests adapter that answers from a WSGI app in this process (the emulator on embedded defaults)."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

from requests.adapters import BaseAdapter
from requests.models import Response
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app


class WsgiAdapter(BaseAdapter):
    """Serves requests.Session calls by running a WSGI app, so no socket and no second server is needed."""

    def __init__(self, wsgi_app):
        super().__init__()
        self.wsgi_app = wsgi_app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """Run the request through the WSGI app and wrap its answer as a requests Response."""
        url = urlsplit(request.url)
        body = request.body.encode("utf-8") if isinstance(request.body, str) else (request.body or b"")
        builder = EnvironBuilder(
            path=url.path, query_string=url.query, method=request.method,
            headers=dict(request.headers), data=body, base_url=f"{url.scheme}://{url.netloc}",
        )
        try:
            app_iter, status, headers = run_wsgi_app(self.wsgi_app, builder.get_environ(), buffered=True)
            content = b"".join(app_iter)
        finally:
            builder.close()
        response = Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.split(" ", 1)[1] if " " in status else ""
        response.headers = CaseInsensitiveDict(headers.to_wsgi_list())
        response.raw = BytesIO(content)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        """Nothing to release."""
