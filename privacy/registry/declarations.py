"""A field's declaration: personal(...) or not_personal(...), checked against the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from privacy.registry.retention import HOLD_RETENTION, RETENTION
from privacy.registry.vocabulary import CATEGORIES, PURPOSES, SOURCES, Erasure, LegalBasis


@dataclass(frozen=True)
class PersonalField:
    model: str
    name: str
    category: str
    purposes: tuple[str, ...]
    retention: str
    erasure: Erasure
    source: str = "record"

    @property
    def bases(self) -> tuple[LegalBasis, ...]:
        return tuple(sorted({PURPOSES[p].basis for p in self.purposes}))

    @property
    def is_personal(self) -> bool:
        return True


@dataclass(frozen=True)
class NotPersonal:
    model: str
    name: str
    reason: str

    @property
    def is_personal(self) -> bool:
        return False


Declaration = PersonalField | NotPersonal


@dataclass
class ModelDeclaration:
    model: str
    # How a record leads to the data subject's Customer: field paths, any of which may
    # name them ("" when the record is the Customer itself); empty when none does.
    subjects: tuple[str, ...]
    fields: dict[str, Declaration] = field(default_factory=dict)

    def subject_filter(self, customer: models.Model) -> models.Q | None:
        """Q for this model's records about `customer`, or None when none can be."""
        if not self.subjects:
            return None
        condition = models.Q()
        for path in self.subjects:
            condition |= models.Q(pk=customer.pk) if path == "" else models.Q(**{path: customer})
        return condition


@dataclass(frozen=True)
class personal:
    category: str
    purposes: tuple[str, ...]
    retention: str
    erasure: Erasure
    source: str = "record"


@dataclass(frozen=True)
class not_personal:
    reason: str


def _personal_field(model: str, name: str, spec: personal) -> PersonalField:
    where = f"{model}.{name}"
    purposes = tuple(spec.purposes) if not isinstance(spec.purposes, str) else (spec.purposes,)
    if not purposes:
        raise ValueError(f"{where}: personal data needs at least one purpose (Art 5(1)(b))")
    unknown = [p for p in purposes if p not in PURPOSES]
    if unknown:
        raise ValueError(f"{where}: unknown purpose {unknown[0]!r}")
    if spec.category not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {spec.category!r}")
    if spec.retention not in RETENTION:
        raise ValueError(f"{where}: unknown retention {spec.retention!r}")
    if spec.source not in SOURCES:
        raise ValueError(f"{where}: unknown source {spec.source!r}")
    try:
        erasure = Erasure(spec.erasure)
    except ValueError:
        raise ValueError(f"{where}: unknown erasure {spec.erasure!r}") from None
    if erasure == Erasure.HOLD and spec.retention not in HOLD_RETENTION:
        raise ValueError(f"{where}: a hold needs a bookkeeping retention, not {spec.retention!r}")
    return PersonalField(model, name, spec.category, purposes, spec.retention, erasure, spec.source)


# Shorthands every app's personal_data module declares with.
ROW_ID = not_personal("internal row number")
LINK = not_personal("link to a record declared elsewhere")
SYSTEM_TIME = not_personal("time the row was written, about the record not the person")
