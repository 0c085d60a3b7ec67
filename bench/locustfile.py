"""Locust users of the load test (bench/load.py starts the install and runs this headless).

Each user is an owner's API client of the demo company: it lists documents, searches clients,
downloads PDFs, and now and then issues an invoice and records its payment. LOAD_TOKEN and
LOAD_EIK come from bench/load.py.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal
from typing import Any

from locust import HttpUser, between, task

TOKEN = os.environ.get("LOAD_TOKEN", "")
EIK = os.environ.get("LOAD_EIK", "")
SEARCHES = ["ООД", "Алфа", "Бета", "EOOD", "София", "12", "Тех", "a"]


class Owner(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.client.headers.update({"Authorization": f"Bearer {TOKEN}", "X-Company": EIK})
        parties = self.client.get("/api/v1/parties?limit=50", name="parties: list").json()
        self.party_ids = [p["id"] for p in parties["items"] if p.get("is_client", True)]
        documents = self.client.get(
            "/api/v1/documents?status=issued&limit=50", name="documents: list"
        ).json()
        self.issued_ids = [d["id"] for d in documents["items"]]

    @task(4)
    def list_documents(self) -> None:
        self.client.get("/api/v1/documents?limit=20", name="documents: list")

    @task(3)
    def search_parties(self) -> None:
        self.client.get(f"/api/v1/parties?q={random.choice(SEARCHES)}", name="parties: search")

    @task(3)
    def download_pdf(self) -> None:
        if self.issued_ids:
            document_id = random.choice(self.issued_ids)
            self.client.get(f"/api/v1/documents/{document_id}/pdf", name="documents: pdf")

    @task(1)
    def issue_and_pay(self) -> None:
        body: dict[str, Any] = {
            "kind": "invoice",
            "party_id": random.choice(self.party_ids),
            "lines": [
                {
                    "description": "Консултация",
                    "quantity": "1",
                    "unit": "hour",
                    "unit_price": f"{random.randint(50, 500)}.00",
                    "vat_treatment": "standard",
                }
            ],
        }
        created = self.client.post("/api/v1/documents", json=body, name="documents: create")
        if created.status_code != 201:
            return
        document = created.json()
        issued = self.client.post(
            f"/api/v1/documents/{document['id']}/issue", json={}, name="documents: issue"
        )
        if issued.status_code != 200:
            return
        self.issued_ids.append(document["id"])
        total = Decimal(issued.json()["totals"]["total"])
        self.client.post(
            "/api/v1/payments",
            json={
                "direction": "in",
                "date": dt.date.today().isoformat(),
                "amount": str((total / 2).quantize(Decimal("0.01"))),
                "party_id": body["party_id"],
                "allocations": [{"document_id": document["id"]}],
            },
            name="payments: record",
        )
