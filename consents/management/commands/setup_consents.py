"""Create the consent purposes and publish their first texts (idempotent: an existing
purpose or published text is left as it is, since published texts never change)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from consents.models import ConsentText, Purpose
from consents.services import consent_text_publish
from privacy.audit import audited_save

PURPOSES: list[dict[str, Any]] = [
    {
        "key": "newsletter",
        "name": "Newsletter",
        "registry_purpose": "b2c_marketing",
        "audience": Purpose.Audience.PEOPLE,
        "channel": Purpose.Channel.EMAIL,
        "title_fi": "Uutiskirje sähköpostiin",
        "title_sv": "Nyhetsbrev per e-post",
        "title_en": "Newsletter by email",
        "text_fi": (
            "Haluan Herocon Oy:n uutiskirjeen sähköpostiini noin kerran kuukaudessa. "
            "Uutiskirjeessä kerromme koulutuksistamme, palveluistamme ja tarjouksistamme. "
            "Voin perua suostumukseni milloin tahansa jokaisessa viestissä olevasta "
            "linkistä tai omilta sivuiltani."
        ),
        "text_sv": (
            "Jag vill få Herocon Oy:s nyhetsbrev till min e-post ungefär en gång i månaden. "
            "I nyhetsbrevet berättar vi om våra utbildningar, tjänster och erbjudanden. "
            "Jag kan när som helst återkalla mitt samtycke via länken i varje meddelande "
            "eller på mina sidor."
        ),
        "text_en": (
            "I want Herocon Oy's newsletter by email about once a month. It tells about our "
            "courses, services and offers. I can withdraw my consent at any time through the "
            "link in every message or on my pages."
        ),
    },
    {
        "key": "product_news",
        "name": "Product news",
        "registry_purpose": "b2c_marketing",
        "audience": Purpose.Audience.PEOPLE,
        "channel": Purpose.Channel.SMS,
        "title_fi": "Tuoteuutiset tekstiviestillä",
        "title_sv": "Produktnyheter per sms",
        "title_en": "Product news by text message",
        "text_fi": (
            "Haluan tekstiviestin, kun Herocon Oy julkaisee uuden koulutuksen tai tuotteen. "
            "Viestejä tulee enintään kaksi kuukaudessa. Voin perua suostumukseni milloin "
            "tahansa omilta sivuiltani tai vastaamalla viestiin LOPETA."
        ),
        "text_sv": (
            "Jag vill få ett sms när Herocon Oy lanserar en ny utbildning eller produkt. "
            "Högst två meddelanden i månaden. Jag kan när som helst återkalla mitt samtycke "
            "på mina sidor eller genom att svara STOPP."
        ),
        "text_en": (
            "I want a text message when Herocon Oy launches a new course or product, at most "
            "twice a month. I can withdraw my consent at any time on my pages or by replying "
            "STOP."
        ),
    },
    {
        "key": "market_research",
        "name": "Market research",
        "registry_purpose": "market_research",
        "audience": Purpose.Audience.BOTH,
        "channel": Purpose.Channel.EMAIL,
        "title_fi": "Asiakaskyselyt ja markkinatutkimukset",
        "title_sv": "Kundenkäter och marknadsundersökningar",
        "title_en": "Customer surveys and market research",
        "text_fi": (
            "Herocon Oy saa lähettää minulle sähköpostitse kyselyitä, joilla se kysyy "
            "mielipidettäni tuotteistaan ja palveluistaan. Vastaaminen on aina vapaaehtoista. "
            "Voin perua suostumukseni milloin tahansa."
        ),
        "text_sv": (
            "Herocon Oy får skicka mig enkäter per e-post där bolaget frågar vad jag tycker "
            "om dess produkter och tjänster. Det är alltid frivilligt att svara. Jag kan när "
            "som helst återkalla mitt samtycke."
        ),
        "text_en": (
            "Herocon Oy may email me surveys asking my opinion of its products and services. "
            "Answering is always voluntary. I can withdraw my consent at any time."
        ),
    },
    {
        "key": "social_media",
        "name": "Social media data collection",
        "registry_purpose": "social_media",
        "audience": Purpose.Audience.BOTH,
        "channel": Purpose.Channel.EMAIL,
        "title_fi": "Sosiaalisen median tiedot",
        "title_sv": "Uppgifter från sociala medier",
        "title_en": "Social media data",
        "text_fi": (
            "Herocon Oy saa tallentaa asiakastietoihini julkiset sosiaalisen median "
            "profiilini (esimerkiksi LinkedIn), jotka olen sille kertonut, ja ottaa minuun "
            "yhteyttä niiden kautta. Tiedot poistetaan, kun perun suostumukseni."
        ),
        "text_sv": (
            "Herocon Oy får spara de offentliga profiler i sociala medier (till exempel "
            "LinkedIn) som jag har uppgett i mina kunduppgifter och kontakta mig via dem. "
            "Uppgifterna raderas när jag återkallar mitt samtycke."
        ),
        "text_en": (
            "Herocon Oy may record the public social media profiles (for example LinkedIn) "
            "that I have told it in my customer data and contact me through them. The data "
            "is deleted when I withdraw my consent."
        ),
    },
    {
        "key": "b2b_marketing",
        "name": "B2B marketing",
        "registry_purpose": "b2b_marketing",
        "audience": Purpose.Audience.ORGANIZATIONS,
        "channel": Purpose.Channel.EMAIL,
        "title_fi": "Markkinointi yrityksille",
        "title_sv": "Marknadsföring till företag",
        "title_en": "Marketing to organizations",
        "text_fi": (
            "Lähetämme yritysasiakkaillemme tietoa omista tuotteistamme ja palveluistamme, "
            "jotka liittyvät niiden toimintaan. Jokaisessa viestissä on maksuton ja helppo "
            "tapa kieltää markkinointi."
        ),
        "text_sv": (
            "Vi skickar våra företagskunder information om våra egna produkter och tjänster "
            "som hänger ihop med deras verksamhet. Varje meddelande har ett avgiftsfritt och "
            "enkelt sätt att förbjuda marknadsföringen."
        ),
        "text_en": (
            "We send our business customers information about our own products and services "
            "related to their business. Every message offers a free and easy way to refuse "
            "the marketing."
        ),
    },
]

TEXT_FIELDS = ("title_fi", "title_sv", "title_en", "text_fi", "text_sv", "text_en")


class Command(BaseCommand):
    help = "Create the consent purposes and publish their first texts (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for spec in PURPOSES:
            purpose = Purpose.objects.filter(key=spec["key"]).first()
            created = purpose is None
            if created:
                purpose = audited_save(
                    instance=Purpose(**{k: v for k, v in spec.items() if k not in TEXT_FIELDS}),
                    actor=None,
                )
            published = purpose.current_text()
            if published is None:
                draft = purpose.texts.filter(published_at__isnull=True).first()
                if draft is None:
                    draft = audited_save(
                        instance=ConsentText(purpose=purpose, **{k: spec[k] for k in TEXT_FIELDS}),
                        actor=None,
                    )
                published = consent_text_publish(text=draft, actor=None)
            state = "created" if created else "unchanged"
            self.stdout.write(f"{purpose.key}: text v{published.version} ({state})")
