"""Realistic Dutch listing texts for the benchmark catalogue, combined from word lists.

Everything is drawn from a ``random.Random`` the caller seeds, so a seed gives the same texts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    singular: str
    plural: str
    category: str
    materials: tuple[str, ...]
    cents: tuple[int, int]
    vat: str = "21"
    unit: str = "piece"


@dataclass(frozen=True)
class Service:
    name: str
    category: str
    purpose: tuple[str, ...]
    cents: tuple[int, int]
    vat: str = "21"
    unit: str = "hour"


PRODUCTS = (
    Product("fiets", "fietsen", "Fietsen", ("stalen", "aluminium", "opgeknapte"), (9500, 45000)),
    Product("bakfiets", "bakfietsen", "Fietsen", ("houten", "stalen"), (45000, 180000)),
    Product("kinderfiets", "kinderfietsen", "Fietsen", ("stalen", "opgeknapte"), (4500, 15000)),
    Product("tas", "tassen", "Tassen", ("leren", "linnen", "gerecyclede", "zeilen"), (1500, 9500)),
    Product("rugzak", "rugzakken", "Tassen", ("canvas", "leren", "waterdichte"), (2500, 12000)),
    Product("portemonnee", "portemonnees", "Tassen", ("leren", "vilten", "kurken"), (1200, 4500)),
    Product("sjaal", "sjaals", "Kleding en textiel", ("wollen", "katoenen", "zijden"), (1800, 6500)),
    Product("muts", "mutsen", "Kleding en textiel", ("wollen", "gebreide", "alpaca"), (1200, 3500)),
    Product("trui", "truien", "Kleding en textiel", ("wollen", "katoenen", "gebreide"), (3500, 9500)),
    Product("kaars", "kaarsen", "Wonen en decoratie", ("sojawas", "bijenwas", "geurende"), (600, 2800)),
    Product("kussen", "kussens", "Wonen en decoratie", ("linnen", "fluwelen", "geweven"), (1500, 5500)),
    Product("mok", "mokken", "Keramiek", ("stenen", "geglazuurde", "porseleinen"), (1200, 3200)),
    Product("vaas", "vazen", "Keramiek", ("keramische", "geglazuurde", "terracotta"), (1800, 8500)),
    Product("schaal", "schalen", "Keramiek", ("keramische", "stenen", "gedraaide"), (1500, 7500)),
    Product("schilderij", "schilderijen", "Schilderijen en kunst", ("olieverf", "acryl"), (4500, 60000), "9"),
    Product("aquarel", "aquarellen", "Schilderijen en kunst", ("ingelijste", "kleine"), (2500, 25000), "9"),
    Product("snijplank", "snijplanken", "Houtwerk", ("eikenhouten", "beukenhouten", "notenhouten"), (1800, 6500)),
    Product("vogelhuisje", "vogelhuisjes", "Houtwerk", ("steigerhouten", "grenen"), (1500, 4500)),
    Product("boekenkast", "boekenkasten", "Houtwerk", ("eikenhouten", "steigerhouten"), (12000, 65000)),
    Product("taart", "taarten", "Gebak", ("verse", "zelfgebakken", "glutenvrije"), (1500, 4500), "9"),
    Product("koek", "koeken", "Gebak", ("volkoren", "glutenvrije", "zelfgebakken"), (400, 1500), "9"),
    Product("brood", "broden", "Gebak", ("volkoren", "verse", "biologische"), (350, 900), "9"),
    Product("soep", "soepen", "Catering", ("verse", "vegetarische"), (600, 1800), "9", "portion"),
    Product("kruidenplant", "kruidenplanten", "Tuin", ("biologische", "vaste"), (350, 1500), "9"),
)

SERVICES = (
    Service("schoonmaak", "Schoonmaak", ("uw woning", "kantoren", "na een verbouwing"), (2500, 4500)),
    Service("glazenwassen", "Schoonmaak", ("uw ramen", "winkelpanden"), (2000, 4000)),
    Service("tuinonderhoud", "Tuin", ("uw tuin", "volkstuinen", "bedrijfstuinen"), (2800, 4500), "9"),
    Service("snoeiwerk", "Tuin", ("hagen en struiken", "fruitbomen"), (3000, 5000), "9"),
    Service("vertaling", "Taal en vertaling", ("brieven", "websites", "folders"), (3500, 6500)),
    Service("taalles", "Taal en vertaling", ("nieuwkomers", "kinderen", "volwassenen"), (2000, 4000), "exempt"),
    Service("fotografie", "Schilderijen en kunst", ("bruiloften", "portretten", "producten"), (6500, 45000), "21", "job"),
    Service("fietsreparatie", "Fietsen", ("lekke banden", "remmen", "verlichting"), (1500, 4500), "9", "job"),
    Service("klussen", "Klussen en reparatie", ("in huis", "kleine reparaties"), (3500, 5500)),
    Service("schilderwerk", "Klussen en reparatie", ("binnenmuren", "kozijnen"), (3500, 5500)),
    Service("kleermakerij", "Kleding herstellen", ("broeken", "jassen", "jurken"), (1000, 4500), "9", "job"),
    Service("catering", "Catering", ("feesten", "vergaderingen", "buurtmaaltijden"), (9500, 95000), "9", "job"),
    Service("workshop keramiek", "Keramiek", ("groepen", "beginners"), (3500, 7500), "21", "day_part"),
)

ADJECTIVES = (
    "handgemaakte", "stevige", "kleurrijke", "duurzame", "unieke", "ambachtelijke",
    "tweedehands", "vintage", "moderne", "klassieke", "zachte", "lichte", "robuuste",
)
SERVICE_ADJECTIVES = ("vakkundige", "betaalbare", "snelle", "zorgvuldige", "persoonlijke", "flexibele")
COLOURS = ("zeegroen", "oker", "donkerblauw", "terracotta", "zwart", "naturel", "bordeauxrood")
PLACES = (
    "Utrecht", "Amsterdam", "Rotterdam", "Nieuwegein", "Zaanstad", "Oost", "West", "de Jordaan",
    "Kanaleneiland", "Feijenoord", "Zuid", "Overvecht", "Delfshaven", "Noord",
)
PRODUCT_SENTENCES = (
    "Deze {noun} is met de hand gemaakt in ons atelier in {place}.",
    "Ik maak {material} {plural} van materiaal dat anders was weggegooid.",
    "Elke {noun} is anders: kleine verschillen horen erbij.",
    "Verkrijgbaar in {colour}; andere kleuren op aanvraag.",
    "Al jaren maak ik {plural} voor buren, vrienden en winkels in {place}.",
    "Stuur gerust een bericht als u vragen heeft over maat of kleur.",
    "Ophalen kan in {place}, verzenden doen we met een duurzame bezorger.",
    "Een mooi cadeau, netjes verpakt in gerecycled papier.",
    "Gemaakt zonder haast en met aandacht voor elk detail.",
)
SERVICE_SENTENCES = (
    "Ik bied {service} voor {purpose}, in {place} en omgeving.",
    "Met jaren ervaring help ik u snel en netjes verder.",
    "U betaalt per {unit_word}; materiaal en reiskosten spreken we vooraf af.",
    "Bel of mail voor een afspraak, ook 's avonds en in het weekend.",
    "Klanten in {place} waarderen mijn zorgvuldige en vriendelijke aanpak.",
    "Ik werk met milieuvriendelijke middelen en laat alles netjes achter.",
    "Samen bespreken we vooraf wat u wilt, zodat er geen verrassingen zijn.",
)
UNIT_WORDS = {"hour": "uur", "job": "klus", "day_part": "dagdeel"}
FIRST_NAMES = (
    "Fatima", "Jan", "Sanne", "Mehmet", "Priya", "Tom", "Noor", "Kees", "Ahmed", "Ingrid",
    "Rachid", "Maria", "Wim", "Lotte", "Youssef", "Anouk", "Sevda", "Dirk", "Esther", "Kofi",
    "Bram", "Aylin", "Henk", "Joyce", "Samir", "Marieke", "Ravi", "Fenna", "Ilse", "Gerrit",
)
TRADES = (
    "Atelier", "Werkplaats", "Keuken", "Tuinen", "Fietsen", "Naaistudio", "Klussen", "Schoonmaak",
    "Keramiek", "Houtwerk", "Vertalingen", "Fotografie", "Bakkerij", "Kunst",
)


def product_text(rng: random.Random, product: Product) -> tuple[str, str]:
    """A title and a description of two or three short paragraphs."""
    material, colour, place = rng.choice(product.materials), rng.choice(COLOURS), rng.choice(PLACES)
    title = f"{rng.choice(ADJECTIVES)} {material} {product.singular}"
    title += rng.choice((f" uit {place}", f" in {colour}", "", f", set van {rng.randint(2, 6)}"))
    words = dict(noun=product.singular, plural=product.plural, material=material, colour=colour, place=place)
    return title[0].upper() + title[1:], paragraphs(rng, PRODUCT_SENTENCES, words)


def service_text(rng: random.Random, service: Service) -> tuple[str, str]:
    purpose, place = rng.choice(service.purpose), rng.choice(PLACES)
    title = rng.choice(
        (f"{service.name} in {place}", f"{rng.choice(SERVICE_ADJECTIVES)} {service.name} voor {purpose}")
    )
    words = dict(service=service.name, purpose=purpose, place=place, unit_word=UNIT_WORDS[service.unit])
    return title[0].upper() + title[1:], paragraphs(rng, SERVICE_SENTENCES, words)


def paragraphs(rng: random.Random, sentences: tuple[str, ...], words: dict[str, str]) -> str:
    chosen = [sentence.format(**words) for sentence in rng.sample(sentences, rng.randint(3, 6))]
    middle = rng.randint(1, len(chosen) - 1)
    return " ".join(chosen[:middle]) + "\n\n" + " ".join(chosen[middle:])


def trade_name(rng: random.Random) -> tuple[str, str]:
    """A member's name and trade name: ``("Sevda", "Keuken Sevda")``."""
    first = rng.choice(FIRST_NAMES)
    trade = rng.choice(TRADES)
    return first, rng.choice((f"{trade} {first}", f"{first}'s {trade}", f"{first} {trade.lower()}"))
