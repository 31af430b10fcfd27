"""A webhook receiver for the tests: Python's http.server on a free loopback port, in a thread.

It records every request (path, headers, body) and answers each path with a fixed status
(200 unless told otherwise; a 3xx carries a Location header naming `redirect_to`).
"""
import hashlib
import hmac
import http.server
import json
import threading


class WebhookReceiver:
    def __init__(self, statuses=None, redirect_to="/moved"):
        self.statuses = dict(statuses or {})  # path -> status
        self.redirect_to = redirect_to
        self.requests = []  # (path, {lower-case header: value}, body bytes)
        self._cv = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._cv:
                    receiver.requests.append((self.path, headers, body))
                    receiver._cv.notify_all()
                status = receiver.statuses.get(self.path, 200)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url(receiver.redirect_to))
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(30)

    def events(self, path="/hook"):
        """The JSON bodies posted to `path`, in arrival order."""
        with self._cv:
            return [json.loads(b) for p, _, b in self.requests if p == path]

    def wait_for(self, predicate, timeout):
        """Waits until predicate(self) is truthy (or `timeout` seconds); returns its value."""
        with self._cv:
            self._cv.wait_for(lambda: predicate(self), timeout)
            return predicate(self)


def signature(secret, body):
    """The X-Berth-Signature-256 value berth sends for `body` signed with `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
