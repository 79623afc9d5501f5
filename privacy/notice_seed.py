"""The first version's editable texts: the company's earlier notice
(../shared/seed/tietosuojaseloste_fi.txt) rewritten with its defects fixed. The DPO edits
later versions in the admin; these are used only when no version exists yet.

Each text is shown through the `linebreaks` filter: a blank line starts a new paragraph."""

INITIAL_TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "intro": (
            "Herocon Oy pitää tätä rekisteriä asiakassuhteidensa hoitamiseen ja "
            "markkinointiinsa. Rekisterissä on tietoja asiakkaistamme, yritysasiakkaidemme "
            "puolesta toimivista henkilöistä ja verkkopalvelumme käyttäjistä; kaikki ryhmät "
            "luetellaan kohdassa 4.\n\n"
            "Tässä tietosuojaselosteessa kerromme, mitä henkilötietoja Herocon Oy:n "
            "rekisterissä on, mihin tarkoituksiin ja millä oikeusperusteella niitä käsitellään, "
            "mistä tiedot saadaan, kenelle niitä luovutetaan, kuinka kauan niitä säilytetään "
            "ja miten voit käyttää oikeuksiasi."
        ),
        "security": (
            "Käsittelemme rekisterin tietoja huolellisesti ja suojaamme ne asianmukaisin "
            "teknisin ja organisatorisin toimenpitein. Tiedot säilytetään "
            "järjestelmätoimittajiemme ylläpitämillä pilvipalvelimilla konesaleissa, joihin "
            "pääsyä valvotaan, ja toimittajat huolehtivat laitteiston fyysisestä ja "
            "digitaalisesta tietoturvasta. Järjestelmätoimittajat käsittelevät tietoja vain "
            "lukuumme tietojenkäsittelysopimuksen mukaisesti ja noudattavat ehdotonta "
            "vaitiolo- ja salassapitovelvollisuutta.\n\n"
            "Tiedot suojataan tahalliselta ja tahattomalta tuhoutumiselta muun muassa "
            "varmuuskopioinnilla, ja tietojen palauttamista varmuuskopioista testataan "
            "säännöllisesti."
        ),
        "changes": (
            "Tämä versio korvaa aiemman tietosuojaselosteemme. Seloste perustuu "
            "nyt voimassa olevaan lainsäädäntöön: EU:n yleinen tietosuoja-asetus "
            "(EU) 2016/679 ja sitä täydentävä tietosuojalaki (1050/2018).\n\n"
            "Uutta tässä versiossa ovat kunkin käsittelytarkoituksen oikeusperuste ja "
            "oikeutetut etumme, tietojen säilytysajat, vastaanottajien jako henkilötietojen "
            "käsittelijöihin ja itsenäisiin rekisterinpitäjiin, tieto siirroista ETA-alueen "
            "ulkopuolelle, kaikki oikeutesi ja ohjeet niiden käyttämiseen (myös oikeus "
            "vastustaa suoramarkkinointia ja peruuttaa suostumus), oikeus tehdä valitus "
            "Tietosuojavaltuutetun toimistolle, tieto siitä, onko tietojen antaminen "
            "pakollista, automaattinen päätöksenteko, evästeet, rekisterinpitäjän Y-tunnus ja "
            "tietosuoja-asioiden yhteysosoite sekä versionumerot ja aiempien versioiden "
            "säilyttäminen."
        ),
    },
    "sv": {
        "intro": (
            "Herocon Oy för detta register för att sköta sina kundrelationer och sin "
            "marknadsföring. Registret innehåller uppgifter om våra kunder, om personer som "
            "företräder våra företagskunder och om användarna av vår webbtjänst; alla grupper "
            "räknas upp i avsnitt 4.\n\n"
            "I denna dataskyddsbeskrivning berättar vi vilka personuppgifter Herocon Oy:s "
            "register innehåller, för vilka ändamål och med vilken rättslig grund de "
            "behandlas, varifrån de kommer, till vem de lämnas ut, hur länge de sparas och "
            "hur du kan utöva dina rättigheter."
        ),
        "security": (
            "Vi behandlar registrets uppgifter omsorgsfullt och skyddar dem med lämpliga "
            "tekniska och organisatoriska åtgärder. Uppgifterna lagras på molnservrar som "
            "underhålls av våra systemleverantörer, i datacenter med kontrollerat tillträde, "
            "och leverantörerna sörjer för utrustningens fysiska och digitala säkerhet. "
            "Systemleverantörerna behandlar uppgifterna endast för vår räkning enligt ett "
            "personuppgiftsbiträdesavtal och är bundna av strikt tystnads- och sekretessplikt."
            "\n\n"
            "Uppgifterna skyddas mot avsiktlig och oavsiktlig förstöring bland annat genom "
            "säkerhetskopiering, och återställning från säkerhetskopior testas regelbundet."
        ),
        "changes": (
            "Denna version ersätter vår tidigare dataskyddsbeskrivning. "
            "Beskrivningen grundar sig nu på gällande lagstiftning, det vill säga EU:s "
            "allmänna dataskyddsförordning (EU) 2016/679 och dataskyddslagen (1050/2018), "
            "som kompletterar den.\n\n"
            "Nytt i denna version är den rättsliga grunden för varje ändamål och våra "
            "berättigade intressen, lagringstiderna, mottagarna uppdelade i "
            "personuppgiftsbiträden och självständiga personuppgiftsansvariga, uppgifter om "
            "överföringar utanför EES, alla dina rättigheter och hur du utövar dem (även "
            "rätten att invända mot direktmarknadsföring och att återkalla samtycke), rätten "
            "att lämna in klagomål till Dataombudsmannens byrå, uppgift om huruvida du är "
            "skyldig att lämna uppgifterna, automatiserat beslutsfattande, kakor, den "
            "personuppgiftsansvariges FO-nummer och kontaktadress i dataskyddsfrågor samt "
            "versionsnummer och arkiv över tidigare versioner."
        ),
    },
    "en": {
        "intro": (
            "Herocon Oy keeps this register to manage its customer relationships and its "
            "marketing. The register holds data about our customers, the people who act for "
            "our business customers and the users of our web service; section 4 lists all "
            "the groups.\n\n"
            "This privacy notice tells you what personal data Herocon Oy's register holds, "
            "for what purposes and on what legal basis it is processed, where it comes from, "
            "who receives it, how long it is kept and how you can use your rights."
        ),
        "security": (
            "We handle the register with care and protect the data with appropriate "
            "technical and organizational measures. The data is kept on cloud servers "
            "maintained by our system providers, in data centres with controlled access, and "
            "the providers look after the physical and digital security of the equipment. "
            "The system providers process the data only on our behalf under a data "
            "processing agreement and are bound by strict confidentiality.\n\n"
            "Backups protect the data against intentional and accidental destruction, and "
            "restoring from backups is tested regularly."
        ),
        "changes": (
            "This version replaces our earlier privacy notice. The notice now "
            "rests on the law in force: the EU General Data Protection Regulation (EU) "
            "2016/679 and the Finnish Data Protection Act (1050/2018) that supplements it."
            "\n\n"
            "New in this version: the legal basis of each purpose and our legitimate "
            "interests, retention periods, recipients divided into processors and "
            "independent controllers, transfers outside the EEA, all your rights and how to "
            "use them (including the right to object to direct marketing and to withdraw "
            "consent), the right to lodge a complaint with the Office of the Data Protection "
            "Ombudsman, whether you must give us the data, automated decision-making, "
            "cookies, the controller's business ID and data protection contact address, and "
            "version numbers with earlier versions kept for reading."
        ),
    },
}
