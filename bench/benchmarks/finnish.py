"""Realistic Finnish register values, valid by construction (standard library only, so the
import benchmark can write its CSV without Django).

Everything the register's validators check is made to pass them: Y-tunnus check digits
(weights 7,9,10,5,8,4,2), OVT addresses built from them, E.164 mobile numbers, five-digit
postal codes of the right city. `check_vocabulary()` runs those validators over a sample,
so a change in them shows up before a million rows are written.
"""

import random
from datetime import UTC, datetime, timedelta

COMMON_FIRST_NAME = "Juha"  # the admin's "common search" looks for it

# (name, weight): roughly the frequencies of the Finnish population register.
FIRST_NAMES = [
    (COMMON_FIRST_NAME, 30), ("Timo", 22), ("Matti", 22), ("Kari", 20), ("Mikko", 20),
    ("Antti", 18), ("Jari", 17), ("Jukka", 17), ("Mika", 16), ("Markku", 14),
    ("Pekka", 14), ("Hannu", 12), ("Heikki", 11), ("Seppo", 10), ("Janne", 10),
    ("Ville", 9), ("Lauri", 8), ("Eero", 7), ("Onni", 6), ("Elias", 6), ("Väinö", 4),
    ("Maria", 25), ("Anna", 20), ("Tuula", 14), ("Päivi", 14), ("Leena", 13),
    ("Ritva", 12), ("Anne", 12), ("Pirjo", 11), ("Sari", 11), ("Minna", 11),
    ("Marja", 10), ("Tiina", 10), ("Riitta", 9), ("Johanna", 9), ("Laura", 8),
    ("Aino", 7), ("Liisa", 7), ("Helmi", 5), ("Emilia", 5), ("Sofia", 5), ("Noora", 4),
    ("Åsa", 1), ("Björn", 1),
]  # fmt: skip
LAST_NAMES = [
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
    "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
    "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen",
    "Ahonen", "Hiltunen", "Leinonen", "Miettinen", "Pitkänen", "Hirvonen", "Aaltonen",
    "Manninen", "Seppälä", "Lindholm", "Lindqvist", "Björklund", "Nyström", "Holmberg",
]  # fmt: skip
# (city, first postal code, how many codes (step 10), weight ~ population)
CITIES = [
    ("Helsinki", 100, 90, 66), ("Espoo", 2100, 80, 30), ("Tampere", 33100, 80, 25),
    ("Vantaa", 1300, 45, 24), ("Oulu", 90100, 80, 21), ("Turku", 20100, 80, 20),
    ("Jyväskylä", 40100, 80, 15), ("Kuopio", 70100, 80, 12), ("Lahti", 15100, 80, 12),
    ("Pori", 28100, 75, 8), ("Kouvola", 45100, 60, 8), ("Joensuu", 80100, 23, 8),
    ("Lappeenranta", 53100, 80, 7), ("Hämeenlinna", 13100, 75, 7), ("Vaasa", 65100, 30, 7),
    ("Seinäjoki", 60100, 70, 6), ("Rovaniemi", 96100, 80, 6), ("Mikkeli", 50100, 80, 5),
    ("Porvoo", 6100, 65, 5), ("Kokkola", 67100, 80, 5),
]  # fmt: skip
STREETS = [
    "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Koulukatu",
    "Rantatie", "Kirkkokatu", "Satamakatu", "Puistokatu", "Asemakatu", "Teollisuuskatu",
    "Koivukuja", "Pihlajatie", "Mäntytie", "Kuusitie", "Vanha Porvoontie", "Kalevankatu",
    "Linnankatu", "Tehtaankatu", "Myllytie", "Peltotie", "Niittykatu", "Järvenrannantie",
    "Sepänkatu", "Torikatu", "Rautatienkatu", "Isokatu", "Pohjoisesplanadi", "Itäinen Pitkäkatu",
]  # fmt: skip
MAIL_DOMAINS = ["example.com", "example.net", "example.org", "posti.example", "koti.example"]
MOBILE_PREFIXES = ["+35840", "+35841", "+35844", "+35845", "+35846", "+35850"]
INDUSTRIES = [
    "Rakennus", "Kuljetus", "Sähkö", "LVI", "Tilitoimisto", "Konsultointi", "Ohjelmistot",
    "Kiinteistöpalvelut", "Metalli", "Puutarha", "Catering", "Media", "Logistiikka",
    "Energia", "Design", "Terveyspalvelut", "Maalaus", "Kattotyö", "Purku", "Turvallisuus",
]  # fmt: skip
BRANDS = [
    "Kivikko", "Saaristo", "Aurora", "Revontuli", "Pohjola", "Kaleva", "Tapio", "Ahti",
    "Kotka", "Karhu", "Ilves", "Halla", "Lumi", "Kallio", "Koski", "Nordic", "Arctic",
    "Botnia", "Suomi", "Häme", "Savo", "Karelia", "Lappi", "Sisu",
]  # fmt: skip
COMPANY_FORMS = [("Oy", 80), ("Ky", 8), ("Ab", 5), ("Oyj", 1), ("osk", 1), ("Tmi", 5)]
NOTES = [
    "Soitti asiakaspalveluun ja kysyi laskusta.",
    "Toivoo yhteydenottoa sähköpostilla, ei puhelimella.",
    "Osallistui tulityökurssille Tampereella.",
    "Kysyi ryhmäalennusta työmaan koko henkilöstölle.",
    "Laskutusosoite vaihtui keväällä.",
    "Prefers English; visits the Helsinki office.",
]
# (value, weight) of the data sources (notice section 6).
SOURCES = [
    ("web_form", 40), ("self_service", 10), ("import", 20), ("phone", 10), ("email", 8),
    ("meeting", 5), ("contract", 5), ("social_media", 2),
]  # fmt: skip
LANGUAGES = [("fi", 88), ("sv", 6), ("en", 6)]

# Real Finnish e-invoice operators (their OVT codes and short IDs) and bank BICs.
OPERATORS = ["003721291126", "003723327487", "003703575029", "003701011385", "E204503"]

_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e", " ": "", "-": ""})
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def weighted(pairs: list[tuple]) -> tuple[list, list[int]]:
    """Values and cumulative weights of (value, ..., weight) pairs, for `pick`."""
    values, weights = zip(*[(p[0], p[-1]) for p in pairs], strict=True)
    cumulative, total = [], 0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return list(values), cumulative


_FIRST = weighted(FIRST_NAMES)
_CITY = weighted(CITIES)
_CITY_CODES = {c[0]: (c[1], c[2]) for c in CITIES}
_SOURCE = weighted(SOURCES)
_LANGUAGE = weighted(LANGUAGES)
_FORM = weighted(COMPANY_FORMS)


def pick(rng: random.Random, table: tuple[list, list[int]]) -> object:
    values, cumulative = table
    return rng.choices(values, cum_weights=cumulative)[0]


def full_name(rng: random.Random) -> str:
    return f"{pick(rng, _FIRST)} {rng.choice(LAST_NAMES)}"


def business_id_check_digit(digits: str) -> int | None:
    """The Y-tunnus check digit of seven digits; None when no check digit exists (r = 1)."""
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def business_ids(start: int, stride: int = 7919, modulus: int = 6_900_000):
    """Distinct valid Y-tunnus values in a scattered (but repeatable) order: the j-th
    number is `start + (j * stride) % modulus`, which never repeats for j < modulus (the
    stride is prime to it); numbers without a check digit are skipped."""
    j = 0
    while True:
        digits = f"{start + (j * stride) % modulus:07d}"
        j += 1
        check = business_id_check_digit(digits)
        if check is not None:
            yield f"{digits}-{check}"


def ovt(business_id: str, suffix: str = "") -> str:
    """The OVT e-invoice address of a Y-tunnus: 0037, its 8 digits, an optional suffix."""
    return "0037" + business_id.replace("-", "") + suffix


def fold(text: str) -> str:
    """Lower-case ASCII for an email's local part (Mäkelä -> makela)."""
    return text.lower().translate(_FOLD)


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(1_000_000, 9_999_999)}"


def address(rng: random.Random) -> tuple[str, str, str]:
    """Street address, postal code of that city, city."""
    city = pick(rng, _CITY)
    first, count = _CITY_CODES[city]
    street = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
    if rng.random() < 0.5:
        street += f" {rng.choice('ABCDEF')} {rng.randrange(1, 60)}"
    return street, f"{first + 10 * rng.randrange(count):05d}", city


def person(rng: random.Random, n: int) -> dict[str, object]:
    """A person's register fields; `n` makes the email unique (portal logins need that)."""
    first, last = pick(rng, _FIRST), rng.choice(LAST_NAMES)
    street, postal_code, city = address(rng)
    country = "FI"
    if rng.random() < 0.01:  # a few live in Sweden
        street, postal_code, city, country = "Storgatan 12", "114 55", "Stockholm", "SE"
    return {
        "kind": "person",
        "name": f"{first} {last}",
        "business_id": "",
        "email": (
            f"{fold(first)}.{fold(last)}{n}@{rng.choice(MAIL_DOMAINS)}"
            if rng.random() < 0.9
            else ""
        ),
        "phone": mobile(rng) if rng.random() < 0.7 else "",
        "street_address": street,
        "postal_code": postal_code,
        "city": city,
        "country": country,
        "language": pick(rng, _LANGUAGE),
        "notes": rng.choice(NOTES) if rng.random() < 0.05 else "",
        "source": pick(rng, _SOURCE),
    }


def organization(rng: random.Random, business_id: str) -> dict[str, object]:
    """An organization's register fields with its (valid, unique) Y-tunnus."""
    form = pick(rng, _FORM)
    owner = rng.choice(LAST_NAMES) if rng.random() < 0.4 else rng.choice(BRANDS)
    industry = rng.choice(INDUSTRIES)
    if form == "Tmi":
        name = f"Tmi {pick(rng, _FIRST)} {rng.choice(LAST_NAMES)}"
    else:
        name = f"{owner} {industry} {form}"
    street, postal_code, city = address(rng)
    slug = fold(f"{owner}{industry}")
    return {
        "kind": "organization",
        "name": name,
        "business_id": business_id,
        "email": f"{rng.choice(['info', 'toimisto', 'myynti', 'asiakaspalvelu'])}@{slug}.example",
        "phone": mobile(rng) if rng.random() < 0.6 else "",
        "street_address": street,
        "postal_code": postal_code,
        "city": city,
        "country": "FI",
        "language": "sv" if rng.random() < 0.05 else "fi",
        "notes": rng.choice(NOTES) if rng.random() < 0.05 else "",
        "source": rng.choice(["contract", "meeting", "email", "web_form"]),
    }


def moment(rng: random.Random, now: datetime, newest_days: float, oldest_days: float) -> datetime:
    """A time (UTC, whole seconds) between `oldest_days` and `newest_days` ago."""
    seconds = rng.uniform(newest_days * 86400, oldest_days * 86400)
    return (now - timedelta(seconds=seconds)).replace(microsecond=0)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def check_vocabulary() -> None:
    """Run the register's own validators over a sample of what is generated (Django must
    be set up): a format rule that changed fails here, not in row 400,000."""
    from customers import validators

    rng = random.Random(1)  # noqa: S311 (repeatable data, no secrets)
    ids = business_ids(100_000)
    for n in range(2000):
        values = person(rng, n)
        validators.validate_phone(values["phone"])
        assert validators.normalize_phone(values["phone"]) == values["phone"], values["phone"]
        if values["country"] == "FI":
            validators.validate_finnish_postal_code(values["postal_code"])
        business_id = next(ids)
        validators.validate_business_id(business_id)
        validators.validate_e_invoice_address(ovt(business_id))
        organization(rng, business_id)
    for operator in OPERATORS:
        validators.validate_operator_id(operator)
