"""Starts the standalone engine on a free loopback port with a fresh database, for Chargebee's Python SDK."""

import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import chargebee
from chargebee import Chargebee

API_KEY = "test_sdk_sandbox_key"
# GROWTHKIT_PUBLISHABLE_KEY's default: what pages pass to the engine's card script.
PUBLISHABLE_KEY = "test_growthkit_publishable_key"
ROOT = Path(__file__).resolve().parents[4]

# The SDK addresses a site as {site}.{domain} and Growth calls as {site}.grow.{domain}. Names under
# .localhost mean loopback (RFC 6761), but glibc does not resolve them, so this process does.
_system_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
        host = "127.0.0.1"
    return _system_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo


class Sandbox:
    """The sandbox on product catalog `catalog`: "v2" (Chargebee's default for new sites) or "v1"."""

    def __init__(self, catalog="v2"):
        self.dir = tempfile.TemporaryDirectory(prefix="growthkit-sandbox-")
        binary = os.environ.get("GROWTHKIT_ENGINE_BIN", str(ROOT / "target/debug/growthkit-engine"))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "NO_COLOR": "1",
            "RUST_LOG": "info",
            "DATABASE_URL": f"sqlite://{self.dir.name}/engine.db",
            "GROWTHKIT_ENGINE_ADDR": "127.0.0.1:0",
            "GROWTHKIT_API_KEY": API_KEY,
            "GROWTHKIT_PRODUCT_CATALOG": catalog,
        }
        self.process = subprocess.Popen(
            [binary], cwd=self.dir.name, env=env, stdout=subprocess.PIPE, text=True
        )
        self.port = self._wait_for_port()
        # Keep reading the log so the engine never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    def _wait_for_port(self):
        timer = threading.Timer(30, self.process.kill)
        timer.start()
        try:
            for line in self.process.stdout:
                found = re.search(r"sandbox at http://127\.0\.0\.1:(\d+)/api/v2", line)
                if found:
                    return int(found.group(1))
        finally:
            timer.cancel()
        raise RuntimeError("the sandbox did not start")

    def client(self, api_key=API_KEY):
        # The SDK picks https whenever it verifies certificates; the sandbox speaks plain http on loopback.
        Chargebee.verify_ca_certs = False
        return Chargebee(api_key=api_key, site="sandbox", chargebee_domain=f"localhost:{self.port}", protocol="http")

    def authorize_in_browser(self, intent_id, card):
        """The browser's half of a card payment, as the engine's card script does it: the card posted for the
        payment intent to the sandbox's card endpoint. Returns the HTTP status and the answer."""
        form = urllib.parse.urlencode(
            {
                "publishable_key": PUBLISHABLE_KEY,
                "card[number]": card["number"],
                "card[expiry_month]": card["expiry_month"],
                "card[expiry_year]": card["expiry_year"],
                "card[cvv]": card["cvv"],
            }
        ).encode()
        url = f"http://127.0.0.1:{self.port}/js/v2/payment_intents/{intent_id}/authorize"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=form, method="POST"), timeout=10) as res:
                return res.status, json.load(res)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.dir.cleanup()


class SandboxTest(unittest.TestCase):
    """A test class with its own sandbox on product catalog `catalog`, and `refused` for asserting errors."""

    catalog = "v2"

    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox(catalog=cls.catalog)
        cls.cb = cls.sandbox.client()

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()

    def refused(self, call, status=400, code=None, param=None):
        with self.assertRaises(chargebee.APIError) as caught:
            call()
        err = caught.exception
        self.assertEqual(err.http_status_code, status)
        if code:
            self.assertEqual(err.api_error_code, code)
        if param:
            self.assertEqual(err.param, param)
        return err
