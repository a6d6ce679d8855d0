"""A small client for the Chrome DevTools Protocol: headless Chromium (Debian's `chromium`),
driven over its WebSocket with the `websockets` package, no browser download, no Selenium.

It opens one page, records what goes wrong on it (uncaught exceptions, console errors, failed
loads), and offers what the catalogue tests need: navigate, evaluate JavaScript, type, click,
wait, take a screenshot, and catch a download."""
from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    """BATTERY_CHROMIUM, else the first browser of CANDIDATES on the PATH."""
    chosen = os.environ.get("BATTERY_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


class BrowserError(AssertionError):
    pass


class Browser:
    def __init__(self, executable: str, downloads: Path, width: int = 1280, height: int = 900):
        self.profile = Path(tempfile.mkdtemp(prefix="battery-chromium-"))
        self.downloads = downloads
        argv = [
            executable, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
            "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise BrowserError(f"{executable} did not start (exit code {self.process.returncode})")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True}, session=False)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    # ---------------------------------------------------------------- protocol
    def _receive(self, timeout: float) -> dict:
        message = json.loads(self.ws.recv(timeout=timeout))
        if "method" in message:
            self.events.append(message)
        return message

    def send(self, method: str, params: dict | None = None, session: bool = True, timeout: float = 60) -> dict:
        number = next(self.ids)
        message = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(max(0.01, deadline - time.monotonic()))
            if reply.get("id") == number:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def wait_event(self, method: str, since: int = 0, timeout: float = 30, where=lambda params: True) -> dict:
        deadline = time.monotonic() + timeout
        seen = since
        while True:
            for event in self.events[seen:]:
                if event["method"] == method and where(event.get("params", {})):
                    return event["params"]
            seen = len(self.events)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"no {method} within {timeout}s")
            try:
                self._receive(remaining)
            except TimeoutError:
                pass

    # ---------------------------------------------------------------- page
    def navigate(self, url: str, timeout: float = 30) -> None:
        mark = len(self.events)
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", since=mark, timeout=timeout)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {timeout}s: {expression}")
            time.sleep(0.05)

    def type_into(self, selector: str, text: str) -> None:
        """Focus the element and type as a keyboard would (input events fire)."""
        self.evaluate(f"(e => {{ e.focus(); e.select && e.select(); }})(document.querySelector({json.dumps(selector)}))")
        self.send("Input.insertText", {"text": text})

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        box = self.evaluate(
            f"(e => {{ e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); "
            f"return [r.x + r.width / 2, r.y + r.height / 2]; }})(document.querySelector({json.dumps(selector)}))"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def download(self, selector: str, timeout: float = 30) -> Path:
        """Click `selector` and return the file the browser saved."""
        mark = len(self.events)
        self.click(selector)
        begun = self.wait_event("Browser.downloadWillBegin", since=mark, timeout=timeout)
        self.wait_event("Browser.downloadProgress", since=mark, timeout=timeout,
                        where=lambda p: p.get("guid") == begun["guid"] and p.get("state") == "completed")
        saved = self.downloads / begun["guid"]  # Chromium names a download by its guid with this behavior
        named = self.downloads / begun["suggestedFilename"]
        return saved if saved.exists() else named

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, Math.min(document.documentElement.scrollHeight, 6000)]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))

    def problems(self, since: int = 0) -> list[str]:
        """Uncaught exceptions, console errors, errors logged by the browser (a missing file,
        a refused request) and failed loads among the events since `since`."""
        found = []
        for event in self.events[since:]:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"load failed: {params.get('errorText')} (request {params.get('requestId')})")
        return found

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)
