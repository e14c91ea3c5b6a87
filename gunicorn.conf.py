"""gunicorn reads this file from its working directory (the image's /app, and the
checkout for bench/run.py); workers, threads, binds and timeouts stay on the command
line (GUNICORN_CMD_ARGS in the Dockerfile)."""

import logging


def post_worker_init(worker):
    # Before the worker takes requests: see dossiers.pdf.warm_up. A failure here must
    # not keep the worker from serving every other page.
    from dossiers.pdf import warm_up

    try:
        warm_up()
    except Exception:
        logging.getLogger("motcua.gunicorn").exception("PDF warm-up failed")
