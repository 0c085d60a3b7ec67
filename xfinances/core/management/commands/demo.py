"""`xfinances demo`: load the demo company once (running it again changes nothing)."""

from typing import Any

from django.core.management.base import BaseCommand

from xfinances.core.demo import DEMO_LOGINS, load_demo


class Command(BaseCommand):
    help = "Create a realistic Bulgarian demo company with users for every role."

    def handle(self, *args: Any, **o: Any) -> None:
        created = load_demo(progress=self.stdout.write)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo company created."))
        else:
            self.stdout.write("Demo company already present: nothing to do.")
        for email, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {role:<11} {email} / {password}")
