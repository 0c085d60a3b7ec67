"""A company's print settings and its own Typst template."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit, printing
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import pdf
from xfinances.invoicing.models import (
    PrintSettings,
)

# --- print settings ----------------------------------------------------------------------------


def _print_snapshot(settings: PrintSettings) -> dict[str, Any]:
    """The audited view of print settings: a custom template by name and content hash, not its
    whole text."""
    data = audit.snapshot(settings, exclude=["custom_template", "updated_at"])
    source = settings.custom_template.encode("utf-8")
    data["custom_template"] = hashlib.sha256(source).hexdigest()[:12] if source else ""
    return data


@transaction.atomic
def update_print_settings(
    actor: Actor,
    company: Company,
    *,
    accent_colour: str | None = None,
    show_logo: bool | None = None,
    show_qr: bool | None = None,
    show_bgn_equivalent: bool | None = None,
    show_signatures: bool | None = None,
    footer_text: str | None = None,
    custom_template: str | bytes | None = None,
    custom_template_name: str = "",
) -> PrintSettings:
    """Change how the company's documents print; what is not given stays. `custom_template`:
    the source of a Typst template (text or UTF-8 bytes), compiled against the sample documents
    before it is kept; "" goes back to the standard template. Documents already issued keep the
    PDF they were issued with; the settings apply to every PDF made from now on."""
    ensure_can(actor, company, "documents.settings")
    settings, _created = PrintSettings.objects.select_for_update().get_or_create(company=company)
    before = _print_snapshot(settings)
    errors = InvalidInput.collect()
    if accent_colour is not None:
        colour = (accent_colour or "").strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            errors.add("accent_colour", _("Give a colour as #rrggbb, for example #1f4e79."))
        settings.accent_colour = colour
    flags = {
        "show_logo": show_logo,
        "show_qr": show_qr,
        "show_bgn_equivalent": show_bgn_equivalent,
        "show_signatures": show_signatures,
    }
    for name, value in flags.items():
        if value is not None:
            setattr(settings, name, bool(value))
    if footer_text is not None:
        footer = " ".join((footer_text or "").split())
        if len(footer) > 300:
            errors.add("footer_text", _("The footer text can be at most 300 characters."))
        settings.footer_text = footer
    if custom_template is not None:
        source = _checked_template(custom_template, custom_template_name, errors)
        if source is not None:
            settings.custom_template = source
            settings.custom_template_name = _plain_file_name(custom_template_name) if source else ""
    errors.raise_if_any()
    settings.save()
    audit.record_update(
        actor, company, "update_print_settings", settings, before, after=_print_snapshot(settings)
    )
    return settings


def _plain_file_name(name: str) -> str:
    """A name safe to offer back in a download's Content-Disposition."""
    plain = re.sub(r"[^\w.\-]+", "_", (name or "").split("/")[-1])
    return (plain.strip("._") or "template.typ")[:200]


def _checked_template(source: str | bytes, name: str, errors: Any) -> str | None:
    """The template's text when it prints the sample documents, "" for none, None (with the
    errors added) when it is refused."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            errors.add("custom_template", _("A template is a text file in UTF-8."))
            return None
    if not source.strip():
        return ""
    if len(source.encode("utf-8")) > pdf.MAX_TEMPLATE_BYTES:
        errors.add(
            "custom_template",
            _("A template can be at most %(kib)s KiB.") % {"kib": pdf.MAX_TEMPLATE_BYTES // 1024},
        )
        return None
    if name and not name.lower().endswith(".typ"):
        errors.add("custom_template", _("A template is a Typst file ending in .typ."))
        return None
    path = printing.template_file(source)
    problems = pdf.validate_custom_template(path)
    if problems:
        # "bg: custom-<hash>.typ: line 1, column 9: …" for each sample the template failed on:
        # one message per distinct error, naming the samples, without the internal file name.
        failed: dict[str, list[str]] = {}
        for problem in problems:
            sample, _sep, message = problem.partition(": ")
            failed.setdefault(message.replace(f"{path.name}: ", ""), []).append(sample)
        for message, samples in list(failed.items())[:5]:
            errors.add(
                "custom_template",
                _("The template does not print the sample (%(samples)s): %(error)s")
                % {"samples": ", ".join(samples), "error": message},
            )
        return None
    return source
