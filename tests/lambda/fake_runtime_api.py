"""A loopback fake of the AWS Lambda Runtime API (2018-06-01), for driving `berth lambda`.

Events are queued with add(); GET /runtime/invocation/next hands them out one at a time with
the Lambda-Runtime-Aws-Request-Id and Lambda-Runtime-Deadline-Ms headers; the answers posted
to /invocation/{id}/response and /invocation/{id}/error, and /init/error, are recorded.
Fault injection: `refuse_responses_over` answers 413 to responses larger than that many bytes
(as Lambda does past its payload limit); `stall_responses_secs` waits that long before
answering a response (a Runtime API that does not answer).
"""
import json
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class FakeRuntimeApi:
    def __init__(self, refuse_responses_over=None, stall_responses_secs=0):
        self.events = queue.Queue()
        self.answers = {}          # request id -> {"kind": "response"|"error", "body", "type"}
        self.init_errors = []      # {"body", "type"}
        self.refuse_responses_over = refuse_responses_over
        self.stall_responses_secs = stall_responses_secs
        self.first_next_at = None  # time.monotonic() of the first GET .../next
        self.answered = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404, b'{"errorMessage":"no such path"}')
                if fake.first_next_at is None:
                    fake.first_next_at = time.monotonic()
                request_id, deadline_ms, body = fake.events.get()
                self._reply(200, body, [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:us-east-1:000000000000:function:berth"),
                    ("Content-Type", "application/json")])

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if self.path == PREFIX + "/init/error":
                    with fake.answered:
                        fake.init_errors.append({"body": json.loads(body), "type": error_type})
                        fake.answered.notify_all()
                    return self._reply(202, b'{"status":"OK"}')
                parts = self.path[len(PREFIX):].split("/")
                # ["", "invocation", id, "response"|"error"]
                if len(parts) != 4 or parts[1] != "invocation" or \
                        parts[3] not in ("response", "error"):
                    return self._reply(404, b'{"errorMessage":"no such path"}')
                if parts[3] == "response" and fake.refuse_responses_over is not None and \
                        length > fake.refuse_responses_over:
                    return self._reply(413, b'{"errorMessage":"payload too large"}')
                if parts[3] == "response" and fake.stall_responses_secs:
                    time.sleep(fake.stall_responses_secs)
                with fake.answered:
                    fake.answers[parts[2]] = {"kind": parts[3], "body": body,
                                              "type": error_type, "at": time.monotonic()}
                    fake.answered.notify_all()
                self._reply(202, b'{"status":"OK"}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def add(self, event, deadline_ms=None, request_id=None):
        """Queues an event (a dict, sent as JSON, or bytes as they are); returns its id."""
        request_id = request_id or str(uuid.uuid4())
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 30000
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        self.events.put((request_id, deadline_ms, body))
        return request_id

    def wait_answer(self, request_id, timeout=30):
        with self.answered:
            self.answered.wait_for(lambda: request_id in self.answers, timeout)
            return self.answers.get(request_id)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
