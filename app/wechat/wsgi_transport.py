"""A requests adapter that answers from a WSGI app in this process (the emulator on embedded defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from requests.adapters import BaseAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class WsgiAdapter(BaseAdapter):
    """Serves requests.Session calls by running a WSGI app, so no socket and no second server is needed."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        super().__init__()
        self.wsgi_app = wsgi_app

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Run the request through the WSGI app and wrap its answer as a requests Response."""
        if request.url is None or request.method is None:
            raise ValueError("the request was not prepared")
        url = urlsplit(request.url)
        if isinstance(request.body, str):
            body = request.body.encode("utf-8")
        elif isinstance(request.body, bytes) or request.body is None:
            body = request.body or b""
        else:
            raise TypeError("a streamed request body is not supported")
        request_headers = [
            (name, value.decode("latin-1") if isinstance(value, bytes) else value)
            for name, value in request.headers.items()
        ]
        builder = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            method=request.method,
            headers=request_headers,
            data=body,
            base_url=f"{url.scheme}://{url.netloc}",
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

    def close(self) -> None:
        """Nothing to release."""
