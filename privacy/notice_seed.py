"""The first version's editable texts: the company's earlier notice
(../shared/seed/tietosuojaseloste_fi.txt) rewritten with its defects fixed. The DPO edits
later versions in the admin; these are used only when no version exists yet."""

INITIAL_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "intro": (
            "Herocon keeps this register to serve its customers: private persons and the "
            "people who act for our business customers. This notice tells what personal "
            "data we hold, why, on what legal basis, where it comes from, who receives it, "
            "how long we keep it, and how you can use your rights."
        ),
        "security": (
            "The register runs on servers maintained by our system providers in data "
            "centres with physical access control. Only the people whose duties need it "
            "have access, and access ends when those duties end."
        ),
        "changes": (
            "This version replaces the notice of 25 November 2022. It adds the legal basis "
            "of each purpose, retention periods, the right to complain to the Data "
            "Protection Ombudsman, all data protection rights and how to use them, and "
            "tells processors and independent recipients apart."
        ),
    },
}
# Until the Finnish and Swedish texts are written, fall back to English.
INITIAL_TEXTS.setdefault("fi", dict(INITIAL_TEXTS["en"]))
INITIAL_TEXTS.setdefault("sv", dict(INITIAL_TEXTS["en"]))
