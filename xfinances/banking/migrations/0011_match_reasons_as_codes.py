"""A proposal's reasons become codes with values, written out in the page's language; a
reason stored earlier as an English sentence is kept as it was, as a `text` reason."""

from typing import Any

from django.db import migrations, models


def sentences_to_reasons(apps: Any, schema_editor: Any) -> None:
    proposal = apps.get_model("banking", "MatchProposal")
    for row in proposal.objects.exclude(reason="").only("pk", "reason").iterator():
        proposal.objects.filter(pk=row.pk).update(reasons=[["text", {"text": row.reason}]])


def reasons_to_sentences(apps: Any, schema_editor: Any) -> None:
    proposal = apps.get_model("banking", "MatchProposal")
    for row in proposal.objects.exclude(reasons=[]).only("pk", "reasons").iterator():
        text = "; ".join(str(values.get("text", code)) for code, values in row.reasons)
        proposal.objects.filter(pk=row.pk).update(reason=text[:300])


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0010_pop3_remembers_seen_uidls"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchproposal",
            name="reasons",
            field=models.JSONField(blank=True, default=list, verbose_name="reasons"),
        ),
        migrations.RunPython(sentences_to_reasons, reasons_to_sentences),
        migrations.RemoveField(
            model_name="matchproposal",
            name="reason",
        ),
    ]
