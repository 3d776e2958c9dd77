"""Pools of fictional names, places and streets for customers and locations of each market."""

from __future__ import annotations

import unicodedata

import numpy as np

# (region, DSO) -> cities; each region is served by one distributor.
REGIONS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "RO": (
        ("Muntenia Sud", "RO-DSO-SUD", ("București", "Ploiești", "Pitești", "Târgoviște")),
        ("Dobrogea", "RO-DSO-SUD", ("Constanța", "Tulcea", "Medgidia")),
        ("Banat", "RO-DSO-VEST", ("Timișoara", "Lugoj", "Reșița")),
        ("Crișana", "RO-DSO-VEST", ("Oradea", "Arad", "Salonta")),
    ),
    "BG": (
        ("Severen Tsentralen", "BG-DSO-SEVER", ("Ruse", "Veliko Tarnovo", "Gabrovo")),
        ("Severoiztochen", "BG-DSO-SEVER", ("Varna", "Shumen", "Dobrich")),
        ("Yugozapaden", "BG-DSO-YUG", ("Sofia", "Pernik", "Blagoevgrad")),
        ("Yuzhen Tsentralen", "BG-DSO-YUG", ("Plovdiv", "Pazardzhik", "Haskovo")),
    ),
}
SITE_AREAS = {
    "RO": ("Nord", "Sud", "Centru", "Est", "Vest", "Parc Industrial"),
    "BG": ("Sever", "Yug", "Tsentar", "Iztok", "Zapad", "Industrialna zona"),
}
BUILDING_NAMES = {
    "RO": ("Corp A", "Corp B", "Corp C", "Hala 1", "Hala 2", "Bloc P1", "Bloc P2", "Depozit"),
    "BG": ("Sgrada A", "Sgrada B", "Sgrada V", "Hale 1", "Hale 2", "Blok 1", "Blok 2", "Sklad"),
}
STREETS = {
    "RO": (
        "Str. Mihai Eminescu",
        "Bd. Unirii",
        "Calea Victoriei",
        "Str. Avram Iancu",
        "Str. Gheorghe Doja",
        "Bd. Revoluției din 1989",
        "Str. Republicii",
        "Aleea Teilor",
        "Str. Ștefan cel Mare",
        "Bd. Independenței",
    ),
    "BG": (
        "ul. Vasil Levski",
        "bul. Tsar Osvoboditel",
        "ul. Hristo Botev",
        "bul. Bulgaria",
        "ul. Ivan Vazov",
        "ul. Georgi Rakovski",
        "bul. Maria Luiza",
        "ul. Shipka",
        "bul. Vitosha",
        "ul. Tsar Simeon",
    ),
}
FIRST_NAMES = {
    "RO": (
        "Andrei",
        "Maria",
        "Ion",
        "Elena",
        "Mihai",
        "Ioana",
        "Alexandru",
        "Ana",
        "Cristian",
        "Gabriela",
        "Vlad",
        "Diana",
        "Radu",
        "Simona",
        "Florin",
        "Carmen",
        "Bogdan",
        "Raluca",
        "Sorin",
        "Oana",
    ),
    "BG": (
        "Ivan",
        "Georgi",
        "Dimitar",
        "Nikolay",
        "Petar",
        "Hristo",
        "Stoyan",
        "Todor",
        "Kalin",
        "Martin",
        "Maria",
        "Elena",
        "Ivanka",
        "Desislava",
        "Gergana",
        "Tsvetelina",
        "Yordanka",
        "Radka",
        "Milena",
        "Petya",
    ),
}
BG_FEMALE_FROM = 10  # index in FIRST_NAMES["BG"] where female names start (surname takes -a)
LAST_NAMES = {
    "RO": (
        "Popescu",
        "Ionescu",
        "Dumitrescu",
        "Stan",
        "Stoica",
        "Gheorghe",
        "Rusu",
        "Munteanu",
        "Matei",
        "Constantin",
        "Șerban",
        "Moldovan",
        "Lazăr",
        "Dragomir",
        "Ciobanu",
        "Nistor",
        "Tudor",
        "Barbu",
        "Neagu",
        "Voicu",
    ),
    "BG": (
        "Petrov",
        "Ivanov",
        "Georgiev",
        "Dimitrov",
        "Nikolov",
        "Todorov",
        "Stoyanov",
        "Iliev",
        "Angelov",
        "Kolev",
        "Marinov",
        "Popov",
        "Yordanov",
        "Hristov",
        "Vasilev",
        "Atanasov",
        "Petkov",
        "Mihaylov",
        "Stefanov",
        "Kostov",
    ),
}
BRANDS = {
    "RO": (
        "Dacia",
        "Carpați",
        "Dunărea",
        "Mureș",
        "Aurora",
        "Select",
        "Central",
        "Trei Stejari",
        "Bucovina",
        "Olimp",
        "Zefir",
        "Lotus",
        "Alfa",
        "Orizont",
        "Delta",
        "Siret",
        "Ceahlău",
        "Retezat",
        "Tisa",
        "Bega",
    ),
    "BG": (
        "Rila",
        "Pirin",
        "Vitosha",
        "Balkan",
        "Dunav",
        "Trakia",
        "Struma",
        "Iskar",
        "Rodopi",
        "Strandzha",
        "Tundzha",
        "Emona",
        "Zora",
        "Slavia",
        "Maritsa",
        "Yantra",
        "Osam",
        "Kamchia",
        "Arda",
        "Sakar",
    ),
}
COMMERCIAL_ACTIVITIES = {
    "RO": (
        "Brutăria",
        "Farmacia",
        "Cafeneaua",
        "Hotel",
        "Restaurantul",
        "Clinica",
        "Magazinul",
        "Atelierul",
        "Pensiunea",
        "Librăria",
        "Spălătoria",
        "Service Auto",
        "Cabinetul",
        "Grădinița",
    ),
    "BG": (
        "Pekarna",
        "Apteka",
        "Kafene",
        "Hotel",
        "Restorant",
        "Klinika",
        "Magazin",
        "Rabotilnitsa",
        "Kashta za gosti",
        "Knizharnitsa",
        "Avtoservis",
        "Kabinet",
        "Detska gradina",
        "Peralnya",
    ),
}
INDUSTRIAL_ACTIVITIES = {
    "RO": ("Metalurgica", "Mobila", "Textila", "Plastic", "Conserve", "Ceramica", "Hârtie", "Ciment", "Sticla", "Lactate"),
    "BG": ("Metal", "Mebel", "Tekstil", "Plastmas", "Konservi", "Keramika", "Hartia", "Tsiment", "Steklo", "Mlechni produkti"),
}
LEGAL_FORMS = {
    ("RO", "commercial"): ("SRL",),
    ("RO", "industrial"): ("SA", "SRL"),
    ("BG", "commercial"): ("EOOD", "OOD"),
    ("BG", "industrial"): ("AD", "EAD"),
}
INVOICE_MAILBOX = {"RO": "facturi", "BG": "fakturi"}


def pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    """One option, uniformly."""
    return options[int(rng.integers(len(options)))]


def person_name(rng: np.random.Generator, market_code: str) -> str:
    """A household customer's full name."""
    index = int(rng.integers(len(FIRST_NAMES[market_code])))
    first = FIRST_NAMES[market_code][index]
    last = pick(rng, LAST_NAMES[market_code])
    if market_code == "BG" and index >= BG_FEMALE_FROM:
        last += "a"
    return f"{first} {last}"


def business_name(rng: np.random.Generator, market_code: str, customer_class: str) -> str:
    """A commercial or industrial customer's registered name with its legal form."""
    activities = COMMERCIAL_ACTIVITIES if customer_class == "commercial" else INDUSTRIAL_ACTIVITIES
    activity = pick(rng, activities[market_code])
    brand = pick(rng, BRANDS[market_code])
    form = pick(rng, LEGAL_FORMS[(market_code, customer_class)])
    return f"{activity} {brand} {form}"


def slug(text: str) -> str:
    """ASCII, lower-case, dot-separated form of a name (for e-mail addresses)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return ".".join(words)
