"""A webhook receiver for the tests: Python's http.server on a free loopback port, in a thread.

It records every request (path, headers, body) and answers each path with a fixed status
(200 unless told otherwise; a 3xx carries a Location header naming `redirect_to`).
"""
import hashlib
import hmac
import http.server
import json
import ssl
import subprocess
import threading


class WebhookReceiver:
    def __init__(self, statuses=None, redirect_to="/moved", tls=None):
        """tls: (certificate file, key file) to answer https instead of http."""
        self.scheme = "https" if tls else "http"
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
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hook"):
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

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


def self_signed_certificate(folder, names):
    """Writes a self-signed certificate (also usable as its own CA) for `names` (e.g.
    ["IP:127.0.0.1", "DNS:localhost"]) with openssl; returns (certificate file, key file)."""
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=berth-webhook-test",
                    "-addext", "subjectAltName=" + ",".join(names)],
                   check=True, capture_output=True, timeout=120)
    return cert, key
