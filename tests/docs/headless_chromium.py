"""Drive a headless Chromium from a test, with nothing but the standard library.

Chromium speaks the DevTools protocol over a pair of pipes when started with
``--remote-debugging-pipe``: it reads commands from file descriptor 3 and
writes answers and events to descriptor 4, each a JSON message ended by a NUL
byte. That needs no driver binary and no Python package, only Debian's
``chromium``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

BINARIES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """The path of an installed Chromium, or None."""
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(Exception):
    """The browser answered a command with an error, or did not answer in time."""


class Chromium:
    """One headless Chromium with one page (a tab), closed by ``close()``."""

    def __init__(self, binary: str, *, width: int = 1280, height: int = 900) -> None:
        commands_read, commands_write = os.pipe()
        events_read, events_write = os.pipe()
        # Chromium insists on descriptors 3 and 4; lift ours above them first
        # so that the dup2 calls in the child cannot overwrite one another.
        child_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
        child_write = fcntl.fcntl(events_write, fcntl.F_DUPFD, 10)
        os.close(commands_read)
        os.close(events_write)

        def wire_pipes() -> None:
            os.dup2(child_read, 3)
            os.dup2(child_write, 4)

        self._profile = tempfile.mkdtemp(prefix="segmentkit-chromium-")
        self._process = subprocess.Popen(
            [
                binary, "--headless", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, pass_fds=(3, 4),
        )
        os.close(child_read)
        os.close(child_write)
        self._send_pipe = os.fdopen(commands_write, "wb", buffering=0)
        self._receive_pipe = os.fdopen(events_read, "rb", buffering=0)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self._command("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._command(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        self.command("Page.enable")
        self.command(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    # --- the protocol ---------------------------------------------------------------

    def _message(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self._process.poll() is not None:
                raise BrowserError("Chromium did not answer in time")
            readable, _, _ = select.select([self._receive_pipe], [], [], min(left, 1.0))
            if not readable:
                continue
            chunk = self._receive_pipe.read(65536)
            if not chunk:
                raise BrowserError("Chromium closed its pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def _command(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        request: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            request["sessionId"] = session
        self._send_pipe.write(json.dumps(request).encode() + b"\0")
        while True:
            message = self._message(timeout)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self._events.append(message)

    def command(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one DevTools command to the page and return its result."""
        return self._command(method, params, session=self._session)

    # --- what a test does -------------------------------------------------------------

    def open(self, url: str, *, timeout: float = 30.0) -> None:
        """Load ``url`` and wait for its load event."""
        self._events.clear()
        self.command("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not any(event["method"] == "Page.loadEventFired" for event in self._events):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not finish loading")
            message = self._message(max(deadline - time.monotonic(), 0.1))
            if "method" in message:
                self._events.append(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.command(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 20.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {timeout} s: {expression}")
            time.sleep(0.2)

    def type_text(self, text: str) -> None:
        """Type into the focused element as a keyboard would: text, then a key release."""
        self.command("Input.insertText", {"text": text})
        self.command("Input.dispatchKeyEvent", {"type": "keyUp", "key": text[-1]})

    def screenshot(self, path: Path) -> None:
        """Save what the page shows as a PNG."""
        data = self.command("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self._command("Browser.close", timeout=5.0)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._send_pipe.close()
        self._receive_pipe.close()
        shutil.rmtree(self._profile, ignore_errors=True)
