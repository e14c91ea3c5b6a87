# The two commands a new user needs: `make run` and `make test`.
.PHONY: run test install lint format messages

run:  ## set up, load demo data and start web + Celery worker + beat
	bash scripts/run.sh

test:  ## set up, lint, check migrations and deploy settings, run all tests
	bash scripts/test.sh $(ARGS)

install:  ## only install the locked dependencies into .venv
	uv sync --frozen

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

messages:  ## refresh and compile the translation catalogues in locale/
	.venv/bin/python manage.py makemessages -l vi -l en --no-wrap --no-location --ignore=.venv --ignore=node_modules --ignore=.local --ignore=staticfiles --ignore=tests
	touch locale/*/LC_MESSAGES/django.po  # compilemessages skips a .mo it thinks is newer
	.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=.local
