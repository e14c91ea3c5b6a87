"""gunicorn reads this file from its working directory (the image's /app, and the
checkout for bench/run.py); workers, threads, binds and timeouts stay on the command
line (GUNICORN_CMD_ARGS in the Dockerfile)."""

import logging

import gunicorn.http.wsgi


def post_worker_init(worker):
    # Before the worker takes requests: see config.warmup and dossiers.pdf.warm_up. A
    # failure here must not keep the worker from serving every other page.
    from config.warmup import warm_up as warm_django
    from dossiers.pdf import warm_up as warm_pdf

    log = logging.getLogger("motcua.gunicorn")
    for name, warm in (("Django", warm_django), ("PDF", warm_pdf)):
        try:
            warm()
        except Exception:
            log.exception("%s warm-up failed", name)


# gunicorn names itself and its version in every response's `Server` header; an
# outside scan reads the version from it. Responses name the service instead (nginx
# in front sets its own header, without a version: `server_tokens off`).
gunicorn.http.wsgi.SERVER = "MotCua"
