"""Container health probe: GET a path on the local gunicorn, exit 0 only on HTTP 200.

    python /app/docker/healthcheck.py /healthz     # the image's HEALTHCHECK (liveness)
    python /app/docker/healthcheck.py /readyz      # compose's web check (PostgreSQL + Redis)

Standard library only (the image has no curl). Django answers 400 to a Host header
outside ALLOWED_HOSTS, so the probe sends the first allowed host; it also says the
request came over HTTPS so SECURE_SSL_REDIRECT cannot turn the answer into a 301.
Redirects are not followed and proxy variables are ignored.
"""

import os
import sys
import urllib.error
import urllib.request


def _host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip()
        if host and host != "*":
            return host.lstrip(".")  # ".example.org" also allows example.org itself
    return "localhost"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx stays an error instead of being followed


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT", "4"))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": _host(), "X-Forwarded-Proto": "https"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, body = response.status, response.read(2000)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(2000)
    except OSError as exc:  # refused, timed out, reset
        print(f"unhealthy: {path}: {exc}", file=sys.stderr)
        return 1
    # Docker keeps the probe's output in `docker inspect`: /readyz says what failed.
    print(status, body.decode("utf-8", "replace"))
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
