"""The personal-data registry: every model field that can hold personal data, declared once."""

# Each concrete field of every installed model is declared here (through `declare()` in the
# `personal_data` module of each app) either as personal data, with its category, purposes,
# source, retention rule and erasure action, or explicitly as not personal. The privacy
# notice, the record of processing (Art 30), the portal's "all my data" page and download
# (Art 15/20) and erasure (Art 17) all read this instead of listing fields again;
# `tests/privacy/test_registry.py` fails when a field is left undeclared.
#
# The vocabulary, the retention rules and the shape of a declaration live in the modules
# of this package; the registry itself (REGISTRY, `declare()` and the lookups that read it)
# lives here, so `privacy.registry.REGISTRY` is the one dict every lookup reads.

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules

from privacy.registry.declarations import (
    LINK,
    ROW_ID,
    SYSTEM_TIME,
    Declaration,
    ModelDeclaration,
    NotPersonal,
    PersonalField,
    _personal_field,
    not_personal,
    personal,
)
from privacy.registry.retention import (
    HOLD_RETENTION,
    RETENTION,
    Retention,
    add_years,
    books_hold_until,
    financial_year_end,
    relationship_retention_ends,
    voucher_hold_until,
)
from privacy.registry.vocabulary import (
    CATEGORIES,
    DATA_SUBJECTS,
    PURPOSES,
    SOURCES,
    Category,
    Erasure,
    LegalBasis,
    Purpose,
)

__all__ = [
    "CATEGORIES",
    "DATA_SUBJECTS",
    "HOLD_RETENTION",
    "LINK",
    "PURPOSES",
    "REGISTRY",
    "RETENTION",
    "ROW_ID",
    "SOURCES",
    "SYSTEM_TIME",
    "Category",
    "CategorySummary",
    "Declaration",
    "Erasure",
    "LegalBasis",
    "ModelDeclaration",
    "NotPersonal",
    "PersonalField",
    "Purpose",
    "Retention",
    "add_years",
    "books_hold_until",
    "categories_in_use",
    "data_fields",
    "declaration_for",
    "declare",
    "financial_year_end",
    "not_personal",
    "personal",
    "personal_fields",
    "purposes_in_use",
    "relationship_retention_ends",
    "stale_declarations",
    "undeclared_fields",
    "voucher_hold_until",
]


REGISTRY: dict[str, ModelDeclaration] = {}


def declare(
    model: str,
    *,
    subject: str | tuple[str, ...] | None = None,
    fields: dict[str, personal | not_personal],
) -> None:
    """Declare every field of `model` (e.g. "customers.customer"), once. `subject` is the
    field path (or paths) from a record to the Customer it is about."""
    model = model.lower()
    if model in REGISTRY:
        raise ValueError(f"{model} is declared twice")
    subjects = () if subject is None else (subject,) if isinstance(subject, str) else subject
    declaration = ModelDeclaration(model=model, subjects=tuple(subjects))
    for name, spec in fields.items():
        if isinstance(spec, personal):
            declaration.fields[name] = _personal_field(model, name, spec)
        elif isinstance(spec, not_personal) and spec.reason.strip():
            declaration.fields[name] = NotPersonal(model, name, spec.reason)
        else:
            raise ValueError(f"{model}.{name}: declare it personal(...) or not_personal(reason)")
    # Only a complete, valid declaration is registered: a failed one leaves no trace.
    REGISTRY[model] = declaration


_loaded = False


def _load() -> None:
    """Import every installed app's `personal_data` module, which calls `declare()`."""
    global _loaded
    if _loaded:
        return
    # Each app declares its own models (customers, consents, privacy); privacy's module
    # also declares the third-party ones.
    try:
        autodiscover_modules("personal_data")
    except Exception:
        # A half-loaded registry would answer wrongly (and the retry would report
        # "declared twice" instead of the real error): start again next time.
        REGISTRY.clear()
        raise
    _loaded = True


def data_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields that store something: concrete columns and many-to-many links (a user's
    groups say which staff role they hold)."""
    return [*model._meta.concrete_fields, *model._meta.many_to_many]


def declaration_for(model: type[models.Model] | str, name: str) -> Declaration | None:
    _load()
    label = model if isinstance(model, str) else model._meta.label_lower
    entry = REGISTRY.get(label.lower())
    return entry.fields.get(name) if entry else None


def undeclared_fields(model_classes: Iterable[type[models.Model]] | None = None) -> list[str]:
    """Every field of the installed models that has no declaration, as model.field."""
    _load()
    missing = []
    for model in model_classes if model_classes is not None else apps.get_models():
        entry = REGISTRY.get(model._meta.label_lower)
        for f in data_fields(model):
            if entry is None or f.name not in entry.fields:
                missing.append(f"{model._meta.label_lower}.{f.name}")
    return missing


def stale_declarations() -> list[str]:
    """Declarations that name a model or field that no longer exists."""
    _load()
    stale = []
    for label, entry in REGISTRY.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            stale.append(label)
            continue
        names = {f.name for f in data_fields(model)}
        stale += [f"{label}.{name}" for name in entry.fields if name not in names]
    return stale


def personal_fields(model: type[models.Model] | str | None = None) -> list[PersonalField]:
    _load()
    entries: Iterable[ModelDeclaration] = REGISTRY.values()
    if model is not None:
        label = (model if isinstance(model, str) else model._meta.label_lower).lower()
        entries = [REGISTRY[label]] if label in REGISTRY else []
    return [d for e in entries for d in e.fields.values() if isinstance(d, PersonalField)]


@dataclass
class CategorySummary:
    category: Category
    purposes: list[Purpose]
    retention: list[Retention]
    erasure: set[Erasure]
    fields: list[PersonalField]


def categories_in_use() -> list[CategorySummary]:
    """The categories that some field belongs to, in notice order, with what applies."""
    summaries: dict[str, CategorySummary] = {}
    for decl in personal_fields():
        summary = summaries.setdefault(
            decl.category, CategorySummary(CATEGORIES[decl.category], [], [], set(), [])
        )
        for key in decl.purposes:
            if PURPOSES[key] not in summary.purposes:
                summary.purposes.append(PURPOSES[key])
        if RETENTION[decl.retention] not in summary.retention:
            summary.retention.append(RETENTION[decl.retention])
        summary.erasure.add(decl.erasure)
        summary.fields.append(decl)
    order = list(CATEGORIES)
    return sorted(summaries.values(), key=lambda s: order.index(s.category.key))


def purposes_in_use() -> list[Purpose]:
    used = {p for decl in personal_fields() for p in decl.purposes}
    return [purpose for key, purpose in PURPOSES.items() if key in used]
