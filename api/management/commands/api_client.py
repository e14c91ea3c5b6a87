"""`manage.py api_client create|rotate|revoke|list`: register partner systems."""

import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api import clients
from api.constants import Scope
from api.models import ApiClient
from procedures.models import Agency


class Command(BaseCommand):
    help = "Create an API client (prints its id and key once), rotate its key, revoke it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="command", required=True)
        create = sub.add_parser("create", help="Register a client; prints its id and key once.")
        create.add_argument("--name", required=True)
        create.add_argument("--agency", action="append", required=True, metavar="CODE")
        create.add_argument(
            "--scope", action="append", required=True, choices=Scope.values, metavar="SCOPE"
        )
        create.add_argument("--allow-ip", action="append", default=[], metavar="CIDR")
        create.add_argument("--rate", default="", help='e.g. "600/minute"')
        create.add_argument("--contact", default="")
        for name, text in (("rotate", "Issue a new key"), ("revoke", "Revoke the client")):
            one = sub.add_parser(name, help=text)
            one.add_argument("client_id")
        sub.add_parser("list", help="List the clients.")

    def handle(self, *args, **options):
        command = options["command"]
        try:
            if command == "create":
                return self._create(options)
            if command == "list":
                for c in ApiClient.objects.all():
                    state = "revoked" if c.revoked_at else "active"
                    self.stdout.write(f"{c.client_id}  {state:7}  {c.name}  {' '.join(c.scopes)}")
                return None
            client = self._client(options["client_id"])
            if command == "rotate":
                self._print(clients.api_client_rotate(client=client))
            else:
                clients.api_client_revoke(client=client)
                self.stdout.write(f"revoked {client.client_id}")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return None

    def _client(self, client_id: str) -> ApiClient:
        try:
            client = ApiClient.objects.filter(client_id=uuid.UUID(client_id.strip())).first()
        except ValueError:
            client = None
        if client is None:
            raise CommandError(f"No API client {client_id}.")
        return client

    def _create(self, options):
        codes = options["agency"]
        agencies = list(Agency.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {a.code for a in agencies})
        if missing:
            raise CommandError(f"Unknown agency code: {', '.join(missing)}")
        issued = clients.api_client_create(
            name=options["name"],
            agencies=agencies,
            scopes=options["scope"],
            allowed_ips=options["allow_ip"],
            rate=options["rate"],
            contact=options["contact"],
        )
        self._print(issued)

    def _print(self, issued):
        self.stdout.write(f"client_id: {issued.client.client_id}")
        self.stdout.write(f"api_key:   {issued.key}")
        self.stderr.write("The key is shown only now: store it in the partner system.")
