#!/usr/bin/env python3
# Stand-ins for every upstream API that passerelle calls *per request* in its live mode (`mode = "http"`),
# in the formats its adapters read, with a fixed added latency per answer: for benchmarks that show that
# passerelle asks its sources in parallel (total latency ≈ the slowest upstream, not the sum).
# Standard library only (Python 3.11).
#
#   python3 bench/upstreams.py --port 0 --latency-ms 20 [--latency rome=20,geo=5,onisep=10,offre-info=15]
#                              [--data ../shared/data | --data none] [--host 127.0.0.1]
#
# Once listening, ONE line of JSON goes to stdout (then the server runs until killed):
#   {"port": 43210, "base": "http://127.0.0.1:43210", "sources": {…urls…}, "latency_ms": {…},
#    "env": {…PASSERELLE_… and credential variables…}, "env_bench": {…suggested limits…}, "data": {…}}
# Anything else (data loading, errors) goes to stderr; no line per request.
#
# One port serves the four sources under path prefixes (passerelle's `url` is a base URL to which each
# client appends its paths, and the token/login URLs are full URLs, so prefixes work):
#
#   source      passerelle key(s)                          served here
#   rome        url       = {BASE}/rome/partenaire          GET  …/rome-metiers/v1/metiers/metier/{code}
#               http.token_url = {BASE}/rome/connexion/oauth2/access_token?realm=%2Fpartenaire
#                                                           GET  …/rome-fiches-metiers/v1/fiches-rome/fiche-metier/{code}
#                                                           GET  …/rome-metiers/v1/metiers/appellation/requete?q=
#                                                           GET  …/rome-metiers/v1/metiers/version   (health probe)
#                                                           POST /rome/connexion/oauth2/access_token?realm=/partenaire
#                                                                (form grant_type=client_credentials, client_id,
#                                                                 client_secret, scope → access_token, expires_in)
#   geo         url       = {BASE}/geo                      GET  /geo/communes/{code}?fields=…[&type=arrondissement-municipal]
#                                                           GET  /geo/communes?fields=…&type=…&nom=&codeDepartement=&codePostal=
#   onisep      url       = {BASE}/onisep/api/1.0           POST /onisep/api/1.0/login  (form email, password → {"token"})
#               (login URL defaults to {url}/login)         GET  /onisep/api/1.0/dataset/{id}/search?q=&size=&from=
#                                                                (Bearer token + Application-ID header)
#   offre-info  url       = {BASE}/offre-info/serviceweb2/offre-info/
#                                                           GET  …/?versionLHEO=2.2&idsMetiers={ROME}&code-departement={dep}
#                                                                (<lheo-index><resumes-offres>)
#                                                           GET  …/?versionLHEO=2.2&numeroAction={n}  (<lheo><offres>)
#   (this server)                                           GET  /_stats  (counters; ?reset=1 resets after reading)
#                                                           POST /_reset
#
# /_stats: per source, data `requests` (token/login calls counted apart in `tokens`), answers by `status`,
# calls by `endpoints`, `in_flight` and `peak_in_flight` (most data requests being served at once: the
# parallelism passerelle reached), `with_traceparent`; `total` sums them, with the peak over all sources.
#
# Token and login endpoints answer at once; every data endpoint answers `latency` ms after the request
# was read (the time spent building the answer is included, not added), whatever its status. Tokens are
# checked: a token from another run of this server gets 401, and passerelle fetches a new one, once.
#
# passerelle configuration (TOML; replace {BASE} by the "base" printed, e.g. http://127.0.0.1:43210):
#
#   [sources.rome]
#   mode = "http"
#   url = "{BASE}/rome/partenaire"
#   [sources.rome.http]
#   token_url = "{BASE}/rome/connexion/oauth2/access_token?realm=%2Fpartenaire"
#
#   [sources.geo]
#   mode = "http"
#   url = "{BASE}/geo"
#
#   [sources.onisep]
#   mode = "http"
#   url = "{BASE}/onisep/api/1.0"
#   # [sources.onisep.http] token_url defaults to "{BASE}/onisep/api/1.0/login"; dataset to 5fa5949243f97
#
#   [sources.offre-info]
#   mode = "http"
#   url = "{BASE}/offre-info/serviceweb2/offre-info/"
#
# and, for a benchmark, in each [sources.<id>.http] table (defaults: rate_limit = 10 requests/s, which
# spaces even the two ROME calls of one métier 100 ms apart; concurrency = 8 requests in flight):
#   rate_limit = 100000
#   concurrency = 256
# and in each [sources.<id>.cache] table, to send every question upstream (defaults cache 1 h):
#   capacity_mb = 0          # identical questions in flight at once are still coalesced into one
#
# The same as environment variables (`__` separates levels; `_` stands for `-` in a source id only):
#   PASSERELLE_SOURCES__ROME__MODE=http
#   PASSERELLE_SOURCES__ROME__URL={BASE}/rome/partenaire
#   PASSERELLE_SOURCES__ROME__HTTP__TOKEN_URL={BASE}/rome/connexion/oauth2/access_token?realm=%2Fpartenaire
#   PASSERELLE_SOURCES__GEO__MODE=http
#   PASSERELLE_SOURCES__GEO__URL={BASE}/geo
#   PASSERELLE_SOURCES__ONISEP__MODE=http
#   PASSERELLE_SOURCES__ONISEP__URL={BASE}/onisep/api/1.0
#   PASSERELLE_SOURCES__OFFRE_INFO__MODE=http
#   PASSERELLE_SOURCES__OFFRE_INFO__URL={BASE}/offre-info/serviceweb2/offre-info/
#   PASSERELLE_SOURCES__<ID>__HTTP__RATE_LIMIT=100000   PASSERELLE_SOURCES__<ID>__HTTP__CONCURRENCY=256
#   PASSERELLE_SOURCES__<ID>__CACHE__CAPACITY_MB=0      (<ID> = ROME, GEO, ONISEP, OFFRE_INFO)
# Credentials (never in the configuration; any non-empty values are accepted here):
#   FRANCE_TRAVAIL_CLIENT_ID, FRANCE_TRAVAIL_CLIENT_SECRET             (rome)
#   ONISEP_EMAIL, ONISEP_PASSWORD, ONISEP_APPLICATION_ID               (onisep)
#   geo (API Géo) and offre-info (Intercarif) need none.
#
# Sources without a live mode: rncp and repere-metiers only load whole snapshots (sample or files) at
# start-up and on `refresh`; they never call anything per request.
#
# Upstream calls per GraphQL field (checked against a release build): metier(codeRome) → rome métier +
# fiche-metier (2 calls, concurrent); commune(codeInsee) → geo 1; fichesOnisep(filtre: {codesRome}) and
# ficheOnisep(id) → onisep 1 search; actionFormation(numero) → offre-info 1. These root fields go out in
# one round: { metier commune fichesOnisep actionFormation } = 5 calls in ≈ 1 latency. Some fields need a
# second round by design: actionsFormation(filtre: {codesRome}) first asks rome for the fiche (its V3
# parent) and only then offre-info (1 per code × département); Metier.mobilites { cible },
# Commune.arrondissements, lieu { commune } fetch what the first answers name.
#
# Answers: for ANY well-formed code. With the real reference data of ../shared/data (or $PASSERELLE_DATA,
# or --data DIR; --data none to turn it off) the answers use it where it knows the code, like passerelle's
# own Rust stand-ins (adapters/*/src/fake_upstream.rs): La Poste's communes (geo), the ROME 4.0 fiches and
# appellations (rome), Idéo-Métiers rows (onisep, full-text search as the stand-in does). A code the data
# does not know (or every code, without data) gets a generated, deterministic, plausible answer: a métier
# with that code, a commune with that code placed near its département's centre, ONISEP fiches citing
# that code, Intercarif offers for that (code ROME × département). A malformed code gets 404.

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import re
import sys
import threading
import time
import traceback
import unicodedata
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

SOURCES = ("rome", "geo", "onisep", "offre-info")


def h32(*parts):
    """A deterministic, well-mixed 32-bit hash (Python's own hash() changes per process)."""
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "big")


def fold(text):
    """passerelle_core::text::fold: lower case, accents removed, ligatures expanded, punctuation → space."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def words_match(query_words, text_words):
    """Every word of the query starts a word of the text (the Rust stand-ins' full-text rule)."""
    return all(any(t.startswith(w) for t in text_words) for w in query_words)


PREFIX_MAX = 5


def prefix_index(token_lists):
    """Index of items by the first 2 to PREFIX_MAX letters of each of their words, to search without a full
    scan."""
    index = {}
    for i, tokens in enumerate(token_lists):
        for key in {t[:n] for t in tokens for n in range(2, PREFIX_MAX + 1) if len(t) >= n}:
            index.setdefault(key, []).append(i)
    return index


def candidates(index, count, query_words):
    """The items that may match: those with, for each query word, a word starting like it."""
    keys = [w[:PREFIX_MAX] for w in query_words if len(w) >= 2]
    if not keys:
        return range(count)
    buckets = sorted((index.get(k, ()) for k in keys), key=len)
    if len(buckets) == 1 or not buckets[0]:
        return buckets[0]
    return sorted(set(buckets[0]).intersection(*buckets[1:]))


RE_ROME = re.compile(r"^[A-N]\d{4}$")
RE_INSEE = re.compile(r"^(?:\d\d|2[AB])\d{3}$")
RE_MET = re.compile(r"^MET\.0*(\d{1,8})$", re.I)
RE_ACTION = re.compile(r"^\d+_AF_([A-N]\d{4})_(\d[\dAB]\d?)_SE_(\d+)$")

# ----------------------------------------------------------------------------------------------------
# Static tables
# ----------------------------------------------------------------------------------------------------

GRANDS_DOMAINES = {
    "A": "Agriculture et Pêche, Espaces naturels et Espaces verts, Soins aux animaux",
    "B": "Arts et Façonnage d'ouvrages d'art",
    "C": "Banque, Assurance, Immobilier",
    "D": "Commerce, Vente et Grande distribution",
    "E": "Communication, Média et Multimédia",
    "F": "Construction, Bâtiment et Travaux publics",
    "G": "Hôtellerie-Restauration, Tourisme, Loisirs et Animation",
    "H": "Industrie",
    "I": "Installation et Maintenance",
    "J": "Santé",
    "K": "Services à la personne et à la collectivité",
    "L": "Spectacle",
    "M": "Support à l'entreprise",
    "N": "Transport et Logistique",
}

# (code ROME, libellé ROME 4.0, libellé ONISEP, libellé ROME V3 as ONISEP cites it, domaine/sous-domaine ONISEP)
SYNTHETIC_METIERS = [
    ("M1805", "Développeur / Développeuse informatique", "développeur / développeuse informatique",
     "Études et développement informatique", "informatique, Internet/informatique"),
    ("M1801", "Administrateur / Administratrice systèmes et réseaux", "administrateur / administratrice de réseaux",
     "Administration de systèmes d'information", "informatique, Internet/systèmes et réseaux"),
    ("D1401", "Assistant commercial / Assistante commerciale", "assistant commercial / assistante commerciale",
     "Assistanat commercial", "gestion des entreprises, comptabilité/secrétariat"),
    ("F1604", "Plaquiste", "plaquiste", "Montage d'agencements", "bâtiment, travaux publics/second œuvre"),
    ("G1602", "Cuisinier / Cuisinière", "cuisinier / cuisinière", "Personnel de cuisine",
     "hôtellerie, restauration/cuisine"),
    ("J1506", "Infirmier / Infirmière", "infirmier / infirmière", "Soins infirmiers généralistes",
     "santé, social/soins"),
    ("K2111", "Formateur / Formatrice", "formateur / formatrice d'adultes", "Formation professionnelle",
     "enseignement, formation/formation continue"),
    ("N1103", "Magasinier / Magasinière", "magasinier / magasinière", "Magasinage et préparation de commandes",
     "logistique, transport/logistique"),
    ("H2909", "Monteur-câbleur / Monteuse-câbleuse", "monteur-câbleur / monteuse-câbleuse",
     "Montage-assemblage mécanique", "électricité, électronique, robotique/électronique"),
    ("A1203", "Jardinier paysagiste / Jardinière paysagiste", "jardinier paysagiste / jardinière paysagiste",
     "Aménagement et entretien des espaces verts", "agriculture, animaux/espaces verts"),
    ("C1401", "Chargé / Chargée de clientèle bancaire", "chargé / chargée de clientèle bancaire",
     "Gestion en banque et assurance", "banque, assurances/banque"),
    ("E1205", "Graphiste", "graphiste", "Réalisation de contenus multimédias", "arts, culture/arts graphiques"),
]
SYNTHETIC_BY_CODE = {m[0]: m for m in SYNTHETIC_METIERS}

# Régions and their départements (since 2016), as adapters/geo/src/fake_upstream.rs has them.
REGIONS = {
    "01": ["971"], "02": ["972"], "03": ["973"], "04": ["974"], "06": ["976"],
    "11": ["75", "77", "78", "91", "92", "93", "94", "95"],
    "24": ["18", "28", "36", "37", "41", "45"],
    "27": ["21", "25", "39", "58", "70", "71", "89", "90"],
    "28": ["14", "27", "50", "61", "76"],
    "32": ["02", "59", "60", "62", "80"],
    "44": ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"],
    "52": ["44", "49", "53", "72", "85"],
    "53": ["22", "29", "35", "56"],
    "75": ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"],
    "76": ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"],
    "84": ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"],
    "93": ["04", "05", "06", "13", "83", "84"],
    "94": ["2A", "2B"],
}
REGION_OF = {d: r for r, ds in REGIONS.items() for d in ds}

# Mean position of each département's communes (La Poste's file), for generated communes.
CENTRES = {
    "01": (46.09, 5.32), "02": (49.55, 3.53), "03": (46.35, 3.18), "04": (44.08, 6.14), "05": (44.58, 6.13),
    "06": (43.85, 7.11), "07": (44.78, 4.46), "08": (49.61, 4.66), "09": (42.97, 1.53), "10": (48.30, 4.18),
    "11": (43.12, 2.33), "12": (44.29, 2.60), "13": (43.53, 5.25), "14": (49.15, -0.32), "15": (45.05, 2.65),
    "16": (45.70, 0.15), "17": (45.77, -0.65), "18": (47.03, 2.52), "19": (45.32, 1.84), "21": (47.38, 4.79),
    "22": (48.48, -2.85), "23": (46.09, 2.03), "24": (45.06, 0.74), "25": (47.22, 6.37), "26": (44.70, 5.13),
    "27": (49.14, 1.00), "28": (48.44, 1.39), "29": (48.29, -4.13), "2A": (41.90, 8.95), "2B": (42.44, 9.28),
    "30": (44.02, 4.20), "31": (43.33, 1.14), "32": (43.66, 0.46), "33": (44.82, -0.34), "34": (43.59, 3.42),
    "35": (48.19, -1.63), "36": (46.77, 1.61), "37": (47.26, 0.67), "38": (45.32, 5.49), "39": (46.77, 5.68),
    "40": (43.81, -0.73), "41": (47.65, 1.31), "42": (45.72, 4.19), "43": (45.14, 3.76), "44": (47.34, -1.68),
    "45": (47.96, 2.34), "46": (44.64, 1.63), "47": (44.39, 0.48), "48": (44.55, 3.49), "49": (47.38, -0.49),
    "50": (49.11, -1.35), "51": (48.96, 4.19), "52": (48.11, 5.26), "53": (48.15, -0.67), "54": (48.78, 6.17),
    "55": (49.02, 5.38), "56": (47.81, -2.78), "57": (49.05, 6.62), "58": (47.14, 3.49), "59": (50.42, 3.26),
    "60": (49.43, 2.42), "61": (48.64, 0.10), "62": (50.46, 2.34), "63": (45.73, 3.17), "64": (43.32, -0.66),
    "65": (43.14, 0.21), "66": (42.61, 2.56), "67": (48.68, 7.55), "68": (47.80, 7.27), "69": (45.85, 4.67),
    "70": (47.63, 6.10), "71": (46.62, 4.62), "72": (48.04, 0.23), "73": (45.54, 6.18), "74": (46.07, 6.30),
    "75": (48.86, 2.34), "76": (49.67, 0.98), "77": (48.66, 2.92), "78": (48.85, 1.84), "79": (46.50, -0.30),
    "80": (49.94, 2.31), "81": (43.80, 2.11), "82": (44.06, 1.22), "83": (43.43, 6.22), "84": (44.01, 5.16),
    "85": (46.65, -1.25), "86": (46.61, 0.41), "87": (45.89, 1.24), "88": (48.23, 6.32), "89": (47.85, 3.61),
    "90": (47.62, 6.93), "91": (48.55, 2.26), "92": (48.84, 2.25), "93": (48.91, 2.46), "94": (48.78, 2.46),
    "95": (49.08, 2.15), "971": (16.15, -61.55), "972": (14.66, -61.04), "973": (4.52, -53.06),
    "974": (-21.13, 55.51), "975": (46.88, -56.32), "976": (-12.82, 45.15), "977": (17.90, -62.83),
    "978": (18.07, -63.05), "986": (-13.28, -176.17), "987": (-17.54, -149.57), "988": (-21.30, 165.60),
}

# Paris, Lyon, Marseille: commune code, name, prefix of their arrondissements' codes, how many.
PLM = [("75056", "Paris", "751", 20), ("69123", "Lyon", "6938", 9), ("13055", "Marseille", "132", 16)]
ARRONDISSEMENTS = {
    f"{prefix}{i:0{5 - len(prefix)}d}" for _, _, prefix, n in PLM for i in range(1, n + 1)
}
COMMUNE = "commune-actuelle"
ARRONDISSEMENT = "arrondissement-municipal"


def departement_of(code):
    return code[:3] if code[:2] in ("97", "98") else code[:2]


# ----------------------------------------------------------------------------------------------------
# The parts of a ROME 4.0 API answer that do not depend on the code (from the M1805 fixture of
# adapters/rome/tests/fixtures/francetravail, itself generated from passerelle's sample)
# ----------------------------------------------------------------------------------------------------


def _c(kind, code, libelle):
    return {"type": kind, "code": code, "libelle": libelle}


ROME_TEMPLATE = {
    "themes": [{"code": "009", "libelle": "Métiers du multimédia"}, {"code": "016", "libelle": "Métiers de l'ingénierie"}],
    "centresInteretsLies": [
        {"centreInteret": {"code": "6", "libelle": "J'ai le souci du détail"}, "principal": False},
        {"centreInteret": {"code": "10", "libelle": "J'aime faire des découvertes"}, "principal": False},
        {"centreInteret": {"code": "29", "libelle": "Je suis passionné / passionnée par les nouvelles technologies"},
         "principal": True},
    ],
    "secteursActivitesLies": [
        {"secteurActivite": {"code": "133", "libelle": "Informatique",
                             "secteurActivite": {"code": "96", "libelle": "Informatique et télécommunication"}},
         "principal": False},
        {"secteurActivite": {"code": "96", "libelle": "Informatique et télécommunication"}, "principal": True},
    ],
    "divisionsNaf": [{"code": "62", "libelle": "Programmation, conseil et autres activites informatiques"}],
    "formacodes": [{"code": "31054", "libelle": "Informatique"}, {"code": "31067", "libelle": "Génie logiciel"},
                   {"code": "31006", "libelle": "Programmation informatique"}],
    "competencesMobiliseesPrincipales": [
        _c("COMPETENCE-DETAILLEE", "109846", "Concevoir une application web"),
        _c("COMPETENCE-DETAILLEE", "126535", "Réaliser des études et développements informatiques"),
        _c("COMPETENCE-DETAILLEE", "400261", "Coder"),
    ],
    "competencesMobiliseesEmergentes": [_c("COMPETENCE-DETAILLEE", "400759", "Intégrer des outils IA/Data Science")],
    "contextesTravail": [
        {"code": "300799", "libelle": "Possibilité de télétravail", "categorie": "CONDITIONS_TRAVAIL"},
        {"code": "300806", "libelle": "Travail en journée", "categorie": "HORAIRE_ET_DUREE_TRAVAIL"},
        {"code": "403103", "libelle": "Salarié secteur privé (CDI, CDD)", "categorie": "STATUT_EMPLOI"},
        {"code": "403107", "libelle": "Travail en mode projet", "categorie": "CONDITIONS_TRAVAIL"},
    ],
}
FICHE_TEMPLATE = {
    "groupesCompetencesMobilisees": [
        {"enjeu": {"code": "1", "libelle": "Conception et développement"}, "competences": [
            _c("COMPETENCE-DETAILLEE", "109846", "Concevoir une application web"),
            _c("COMPETENCE-DETAILLEE", "126535", "Réaliser des études et développements informatiques"),
            _c("COMPETENCE-DETAILLEE", "400261", "Coder")]},
        {"enjeu": {"code": "2", "libelle": "Qualité et pilotage des solutions"}, "competences": [
            _c("MACRO-SAVOIR-FAIRE", "300393", "Concevoir et mettre en oeuvre une stratégie digitale"),
            _c("COMPETENCE-DETAILLEE", "400759", "Intégrer des outils IA/Data Science")]},
        {"enjeu": {"code": "3", "libelle": "Savoir-être professionnels"}, "competences": [
            _c("MACRO-SAVOIR-ETRE-PROFESSIONNEL", "300460", "Faire preuve d'autonomie"),
            _c("MACRO-SAVOIR-ETRE-PROFESSIONNEL", "300490", "Faire preuve de rigueur et de précision")]},
    ],
    "groupesSavoirs": [
        {"categorieSavoirs": {"code": "1", "libelle": "Domaines d'expertise"},
         "savoirs": [_c("SAVOIR", "102788", "HTML"), _c("SAVOIR", "113798", "Programmation en Python")]},
        {"categorieSavoirs": {"code": "2", "libelle": "Normes et procédés"},
         "savoirs": [_c("SAVOIR", "113277", "Méthode AGILE")]},
        {"categorieSavoirs": {"code": "3", "libelle": "Techniques professionnelles"},
         "savoirs": [_c("SAVOIR", "481370", "Intégration continue et déploiement continu (CI/CD)")]},
        {"categorieSavoirs": {"code": "5", "libelle": "Certifications et habilitations"},
         "savoirs": [_c("SAVOIR", "491029", "DUT informatique")]},
    ],
}

# ----------------------------------------------------------------------------------------------------
# Reference data (optional)
# ----------------------------------------------------------------------------------------------------


def title_case(name):
    return " ".join(w[:1].upper() + w[1:].lower() if w else w for w in name.split(" "))


class Data:
    """What the real files of ../shared/data give; empty without them."""

    def __init__(self):
        self.dir = None
        self.rome_version = "60"
        self.fiches = {}  # code ROME -> dict
        self.domaines = {}  # code domaine professionnel -> libellé
        self.fiches_by_dp = {}  # code domaine professionnel -> [code ROME], sorted
        self.appellations = {}  # code ROME -> [appellation dict]
        self.appellation_index = []  # (folded words, appellation dict, code ROME)
        self.appellation_prefixes = {}
        self.communes = {}  # code INSEE -> (kind, record, folded name)
        self.communes_by_dep = {}  # département -> [code INSEE] (communes only)
        self.commune_list = []  # (kind, record, folded name) in code order, for the search
        self.commune_prefixes = {}
        self.onisep_rows = []  # rows as the API serves them
        self.onisep_text = []  # folded words of each row, for the search
        self.onisep_prefixes = {}

    def load(self, root):
        self.dir = root
        started = time.monotonic()
        loaded = {}
        for name, loader in (("rome", self._load_rome), ("geo", self._load_geo), ("onisep", self._load_onisep)):
            try:
                loaded[name] = loader(root)
            except FileNotFoundError:
                loaded[name] = 0
            except Exception as e:  # a bad file: generated answers only for that source
                print(f"upstreams: {name}: data not used: {e}", file=sys.stderr)
                loaded[name] = 0
        print(f"upstreams: reference data from {root} in {time.monotonic() - started:.2f}s: {loaded}", file=sys.stderr)
        return loaded

    def _load_rome(self, root):
        d = root / "rome"
        with open(d / "unix_cr_gd_dp_v460_utf8.csv", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                self.fiches[r["code_rome"]] = {
                    "libelle": r["libelle_rome"], "gd": r["code_grand_domaine"], "gd_lib": r["libelle_grand_domaine"],
                    "dp": r["code_domaine_professionel"], "dp_lib": r["libelle_domaine_professionel"],
                }
                self.domaines[r["code_domaine_professionel"]] = r["libelle_domaine_professionel"]
                self.fiches_by_dp.setdefault(r["code_rome"][:3], []).append(r["code_rome"])
        with open(d / "unix_referentiel_code_rome_v460_utf8.csv", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                fiche = self.fiches.get(r["code_rome"])
                if fiche is not None:
                    fiche.update(parent=r["code_rome_parent"] or None, eco=r["transition_eco"] or None,
                                 num=r["transition_num"] == "O", demo=r["transition_demo"] == "O",
                                 reglemente=r["emploi_reglemente"] == "O", cadre=r["emploi_cadre"] == "O")
        with open(d / "unix_referentiel_appellation_v460_utf8.csv", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                a = {
                    "code": r["code_ogr"], "libelle": r["libelle_appellation_long"],
                    "libelleCourt": r["libelle_appellation_court"] or r["libelle_appellation_long"],
                    "classification": r["classification"] or "SYNONYME",
                    "emploiCadre": r["emploi_cadre"] == "O", "emploiReglemente": r["emploi_reglemente"] == "O",
                    "peuUsite": r["peu_usite"] == "O", "romeParent": r["code_rome_parent"] or r["code_rome"],
                }
                self.appellations.setdefault(r["code_rome"], []).append(a)
                self.appellation_index.append((fold(a["libelle"]).split(), a, r["code_rome"]))
        self.appellation_prefixes = prefix_index(ws for ws, _, _ in self.appellation_index)
        try:
            text = (d / "version.txt").read_text(encoding="utf-8")
            m = re.search(r"Numero de version\s*:\s*(\d+)", text)
            if m:
                self.rome_version = m.group(1)
        except OSError:
            pass
        return len(self.fiches)

    def _load_geo(self, root):
        acc = {}
        with open(root / "geo" / "laposte_hexasmal.csv", encoding="utf-8") as f:
            next(f)
            for line in f:
                cols = line.rstrip("\r\n").split(";")
                if len(cols) < 3 or len(cols[0]) != 5:
                    continue
                a = acc.setdefault(cols[0], {"nom": "", "cps": set(), "centre": None})
                if not a["nom"]:
                    a["nom"] = title_case(cols[1].strip())
                if cols[2].strip():
                    a["cps"].add(cols[2].strip())
                if a["centre"] is None and len(cols) > 5 and "," in cols[5]:
                    try:
                        lat, lon = (float(x) for x in cols[5].split(",", 1))
                        a["centre"] = (lat, lon)
                    except ValueError:
                        pass
        for code, nom, prefix, _ in PLM:
            parts = [a for c, a in acc.items() if c in ARRONDISSEMENTS and c.startswith(prefix)]
            pts = [a["centre"] for a in parts if a["centre"]]
            acc[code] = {
                "nom": nom, "cps": set().union(*(a["cps"] for a in parts)) if parts else set(),
                "centre": (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)) if pts else None,
            }
        for code, a in acc.items():
            kind = ARRONDISSEMENT if code in ARRONDISSEMENTS else COMMUNE
            record = commune_record(code, a["nom"], sorted(a["cps"]), a["centre"])
            self.communes[code] = (kind, record, fold(a["nom"]).split())
            if kind == COMMUNE:
                self.communes_by_dep.setdefault(departement_of(code), []).append(code)
        for codes in self.communes_by_dep.values():
            codes.sort()
        self.commune_list = [self.communes[c] for c in sorted(self.communes)]
        self.commune_prefixes = prefix_index(e[2] for e in self.commune_list)
        return len(self.communes)

    def _load_onisep(self, root):
        import xml.etree.ElementTree as ET

        tree = ET.parse(root / "onisep" / "ideo-metiers_onisep.xml.xml")
        for item in tree.getroot().iter("item"):
            row = {}
            for child in item:
                text = (child.text or "").strip()
                if child.tag in ("annee", "gencod"):
                    row[child.tag] = int(text) if text.isdigit() else (text or None)
                else:
                    row[child.tag] = text
            self.onisep_rows.append(row)
            self.onisep_text.append(fold(" ".join(str(v) for v in row.values() if v is not None)).split())
        self.onisep_prefixes = prefix_index(self.onisep_text)
        return len(self.onisep_rows)


DATA = Data()

# ----------------------------------------------------------------------------------------------------
# ROME 4.0 (France Travail)
# ----------------------------------------------------------------------------------------------------


def rome_fiche(code):
    """Identity of a fiche: from the data when it knows the code, generated otherwise."""
    f = DATA.fiches.get(code)
    if f is not None:
        return f
    syn = SYNTHETIC_BY_CODE.get(code)
    dp = code[:3]
    return {
        "libelle": syn[1] if syn else f"Métier {code}", "gd": code[0], "gd_lib": GRANDS_DOMAINES[code[0]],
        "dp": dp, "dp_lib": DATA.domaines.get(dp, f"Domaine professionnel {dp}"), "parent": code,
        "eco": ("Emploi Blanc", "Emploi Vert", "Emploi stratégique pour la Transition écologique")[h32(code) % 3],
        "num": h32(code, "num") % 2 == 0, "demo": h32(code, "demo") % 4 == 0,
        "reglemente": h32(code, "reg") % 5 == 0, "cadre": h32(code, "cadre") % 3 == 0,
    }


def rome_appellations(code, libelle):
    apps = DATA.appellations.get(code)
    if apps:
        return apps
    n = 10000 + (int(code[1:]) * 7 + (ord(code[0]) - 65) * 70001) % 900000
    return [
        {"code": str(n), "libelle": libelle, "libelleCourt": libelle, "classification": "PRINCIPALE",
         "emploiCadre": False, "emploiReglemente": False, "peuUsite": False, "romeParent": code},
        {"code": str(n + 1), "libelle": f"{libelle} confirmé(e)", "libelleCourt": f"{libelle} confirmé(e)",
         "classification": "SYNONYME", "emploiCadre": False, "emploiReglemente": False, "peuUsite": False,
         "romeParent": code},
    ]


def rome_neighbours(code):
    """Two other ROME codes of the same domain (metiersEnProximite)."""
    same = sorted(c for c in DATA.fiches_by_dp.get(code[:3], ()) if c != code)
    if len(same) >= 2:
        i = h32(code) % len(same)
        return [same[i], same[(i + 1) % len(same)]]
    n = int(code[1:])
    return [f"{code[0]}{(n + k) % 10000:04d}" for k in (1, 2)]


@lru_cache(maxsize=16384)
def rome_metier_body(code):
    return json.dumps(rome_metier(code), ensure_ascii=False).encode("utf-8")


@lru_cache(maxsize=16384)
def rome_fiche_metier_body(code):
    return json.dumps(rome_fiche_metier(code), ensure_ascii=False).encode("utf-8")


def rome_metier(code):
    f = rome_fiche(code)
    lib = f["libelle"]
    h = h32(code)
    body = {
        "code": code,
        "libelle": lib,
        "definition": f"Le métier « {lib} » s'exerce dans le domaine {f['dp_lib']}.\n"
                      "Réalise les activités de la fiche selon les règles de sécurité et de qualité\n"
                      "Organise son travail et rend compte de son activité",
        "accesEmploi": f"Le métier « {lib} » est accessible avec un diplôme ou une expérience professionnelle du domaine.",
        "riasecMajeur": "RIASEC"[h % 6],
        "riasecMineur": "RIASEC"[(h // 6 + 1 + h % 6) % 6],
        "codeIsco": f"{1000 + h % 9000}",
        "obsolete": False,
        "domaineProfessionnel": {"code": f["dp"], "libelle": f["dp_lib"],
                                 "grandDomaine": {"code": f["gd"], "libelle": f["gd_lib"]}},
        "appellations": rome_appellations(code, lib),
        **ROME_TEMPLATE,
        "metiersEnProximite": [{"code": c, "libelle": rome_fiche(c)["libelle"]} for c in rome_neighbours(code)],
        "transitionEcologique": f.get("eco") not in (None, "Emploi Blanc"),
        "transitionEcologiqueDetaillee": f.get("eco") or "Emploi Blanc",
        "transitionNumerique": bool(f.get("num")),
        "transitionDemographique": bool(f.get("demo")),
        "emploiCadre": bool(f.get("cadre")),
        "emploiReglemente": bool(f.get("reglemente")),
        "codeRomeParent": f.get("parent") or code,
    }
    return body


def rome_fiche_metier(code):
    return {"code": code, "obsolete": False, "metier": {"code": code, "libelle": rome_fiche(code)["libelle"]},
            **FICHE_TEMPLATE}


def rome_requete(q):
    """GET …/appellation/requete?q=: the appellations whose words the query's words start (principales
    first, rarely used last), the API's 20 best and the total; generated hits when nothing matches."""
    words = fold(q).split()
    if not words:
        return {"totalResultats": 0, "requete": q, "resultats": []}
    index = DATA.appellation_index
    hits = [(index[i][1], index[i][2], index[i][0]) for i in candidates(DATA.appellation_prefixes, len(index), words)
            if words_match(words, index[i][0])]
    if not hits:
        syn = SYNTHETIC_METIERS[h32(fold(q)) % len(SYNTHETIC_METIERS)]
        code = syn[0]
        base = 20000 + h32(q) % 700000
        label = " ".join(w.capitalize() for w in q.split())
        hits = [({"code": str(base), "libelle": label, "libelleCourt": label, "classification": "PRINCIPALE",
                  "emploiCadre": False, "emploiReglemente": False}, code, words),
                ({"code": str(base + 1), "libelle": f"{label} confirmé / confirmée",
                  "libelleCourt": f"{label} confirmé / confirmée", "classification": "SYNONYME",
                  "emploiCadre": False, "emploiReglemente": False}, code, words + ["confirme"])]
    hits.sort(key=lambda h: (h[0]["classification"] != "PRINCIPALE", h[0].get("peuUsite", False), h[2]))
    results = []
    for a, code, _ in hits[:20]:
        r = {k: a[k] for k in ("code", "libelle", "libelleCourt", "classification", "emploiCadre", "emploiReglemente")}
        r["metier"] = {"code": code, "libelle": rome_fiche(code)["libelle"]}
        results.append(r)
    return {"totalResultats": len(hits), "requete": q, "resultats": results}


# ----------------------------------------------------------------------------------------------------
# API Géo
# ----------------------------------------------------------------------------------------------------


def commune_record(code, nom, codes_postaux, centre):
    d = departement_of(code)
    record = {"nom": nom, "code": code, "codeDepartement": d}
    if d in REGION_OF:
        record["codeRegion"] = REGION_OF[d]
    record["codesPostaux"] = codes_postaux
    if centre:
        record["centre"] = {"type": "Point", "coordinates": [round(centre[1], 6), round(centre[0], 6)]}
    return record


def generated_commune(code, nom=None, code_postal=None):
    d = departement_of(code)
    lat, lon = CENTRES.get(d, (46.6, 2.4))
    h = h32(code)
    centre = (lat + ((h % 1000) / 1000 - 0.5) * 0.5, lon + (((h // 1000) % 1000) / 1000 - 0.5) * 0.6)
    cp = code_postal or ("20" + code[2:] if d in ("2A", "2B") else code[:2] + f"{(int(code[2:]) // 10) * 10:03d}"
                         if len(d) == 2 else code)
    if nom is None:
        nom = {c: n for c, n, _, _ in PLM}.get(code) or (
            f"Paris {int(code[3:])}e Arrondissement" if code.startswith("751") and code in ARRONDISSEMENTS else
            f"Lyon {int(code[4:])}e Arrondissement" if code.startswith("6938") and code in ARRONDISSEMENTS else
            f"Marseille {int(code[3:])}e Arrondissement" if code.startswith("132") and code in ARRONDISSEMENTS else
            f"Commune {code}")
    kind = ARRONDISSEMENT if code in ARRONDISSEMENTS else COMMUNE
    return kind, commune_record(code, nom, [cp], centre), fold(nom).split()


def geo_entry(code):
    return DATA.communes.get(code) or generated_commune(code)


def shaped(record, q):
    fields = q.get("fields")
    if fields is None:
        return dict(record)
    asked = {f.strip() for f in fields.split(",")} | {"nom", "code"}
    return {k: v for k, v in record.items() if k in asked}


def types_of(q):
    return {t.strip() for t in q.get("type", COMMUNE).split(",")}


def geo_lookup(code, q):
    return _geo_lookup(code, q.get("fields"), q.get("type"))


@lru_cache(maxsize=65536)
def _geo_lookup(code, fields, types):
    q = {k: v for k, v in (("fields", fields), ("type", types)) if v is not None}
    code = code.upper()
    if not RE_INSEE.match(code) or code.startswith("00"):
        return 404, {"code": 404, "message": "Commune non trouvée"}
    kind, record, _ = geo_entry(code)
    if kind not in types_of(q):
        return 404, {"code": 404, "message": "Commune non trouvée"}
    return 200, shaped(record, q)


def geo_search(q):
    types = types_of(q)
    nom, dep, cp, code = q.get("nom"), q.get("codeDepartement"), q.get("codePostal"), q.get("code")
    words = fold(nom).split() if nom is not None else None

    def accept(kind, record, folded):
        return (kind in types and (dep is None or record.get("codeDepartement") == dep)
                and (cp is None or cp in record.get("codesPostaux", []))
                and (code is None or record["code"] == code)
                and (words is None or words_match(words, folded)))

    if DATA.communes and (dep is not None or cp is not None or words):
        if words:
            pool = (DATA.commune_list[i] for i in candidates(DATA.commune_prefixes, len(DATA.commune_list), words))
        elif dep is not None:
            pool = [DATA.communes[c] for c in DATA.communes_by_dep.get(dep, [])]
            pool += [DATA.communes[c] for c in sorted(ARRONDISSEMENTS) if c in DATA.communes and departement_of(c) == dep]
        else:
            pool = DATA.commune_list
        hits = [(k, r, f) for k, r, f in pool if accept(k, r, f)]
    else:
        hits = []
    if not hits and (nom or dep or cp or code):
        # A commune meeting every criterion, so that any question has an answer.
        d = dep or (cp[:3] if cp and cp[:2] == "97" else cp[:2] if cp else None)
        if d is None or d not in CENTRES:
            d = sorted(CENTRES)[h32(nom or "") % 95]
        gen_code = code or (d + (f"{h32(nom, cp) % 90 + 10:02d}" if len(d) == 3 else f"{500 + h32(nom, cp) % 400:03d}"))
        if RE_INSEE.match(gen_code):
            entry = generated_commune(gen_code, title_case(nom) if nom else None, cp)
            if accept(*entry):
                hits = [entry]
    hits.sort(key=lambda e: " ".join(e[2]))  # not in code order, as API Géo's answers are not
    answer = []
    for _, record, _ in hits:
        r = shaped(record, q)
        if words is not None:
            r["_score"] = 1.0
        answer.append(r)
    return 200, answer


# ----------------------------------------------------------------------------------------------------
# ONISEP open data (Idéo-Métiers)
# ----------------------------------------------------------------------------------------------------

ONISEP_LINK = "https://www.onisep.fr/http/redirection/metier/slug/MET.{}"


def onisep_row(n, libelle, code_rome, libelle_rome, domaine, publication=0):
    titles = ("Les métiers de demain", "Zoom sur les métiers", "Parcours : les métiers du secteur")
    return {
        "libelle_metier": libelle,
        "lien_site_onisepfr": ONISEP_LINK.format(n),
        "nom_publication": titles[(n + publication) % len(titles)],
        "collection": ("Parcours", "Zoom", "Dossiers")[(n + publication) % 3],
        "annee": 2023 + (n + publication) % 3,
        "gencod": 9782273010000 + (n * 7 + publication) % 10000,
        "gfe": "GFE P : Gestion et traitement de l'information (informatique, statistique, documentation)",
        "code_rome": code_rome,
        "libelle_rome": libelle_rome,
        "lien_rome": f"https://candidat.francetravail.fr/metierscope/fiche-metier/{code_rome}",
        "domainesous-domaine": domaine,
    }


def onisep_generated(q):
    """Rows for a question the data does not answer: a MET.n id, a ROME code or words."""
    m = RE_MET.match(q.strip())
    if m:
        n = int(m.group(1))
        syn = SYNTHETIC_METIERS[n % len(SYNTHETIC_METIERS)]
        return [onisep_row(n, syn[2], syn[0], syn[3], syn[4])]
    code = q.strip().upper()
    if RE_ROME.match(code):
        syn = SYNTHETIC_BY_CODE.get(code)
        libelle = syn[2] if syn else rome_fiche(code)["libelle"].lower()
        libelle_rome = syn[3] if syn else rome_fiche(code)["libelle"]
        domaine = syn[4] if syn else f"{GRANDS_DOMAINES[code[0]].lower()}/{code[:3]}"
        n1 = 100000 + h32(code) % 800000
        return [onisep_row(n1, libelle, code, libelle_rome, domaine, 0),
                onisep_row(n1, libelle, code, libelle_rome, domaine, 1),
                onisep_row(n1 + 1, f"assistant / assistante {libelle}", code, libelle_rome, domaine, 0)]
    words = q.strip()
    if not fold(words):
        return []
    syn = SYNTHETIC_METIERS[h32(fold(words)) % len(SYNTHETIC_METIERS)]
    n = 100000 + h32(fold(words)) % 800000
    label = words.lower()
    return [onisep_row(n, label, syn[0], syn[3], syn[4]),
            onisep_row(n + 1, f"{label} spécialisé / spécialisée", syn[0], syn[3], syn[4])]


@lru_cache(maxsize=16384)
def onisep_search(q):
    words = fold(q).split()
    if not words:  # every row (the health probe asks q= with size=1)
        if DATA.onisep_rows:
            return DATA.onisep_rows
        return [onisep_row(i + 1, m[2], m[0], m[3], m[4])
                for i, m in ((i, SYNTHETIC_METIERS[i % len(SYNTHETIC_METIERS)]) for i in range(200))]
    hits = [DATA.onisep_rows[i] for i in candidates(DATA.onisep_prefixes, len(DATA.onisep_rows), words)
            if words_match(words, DATA.onisep_text[i])]
    m = RE_MET.match(q.strip())
    if m and not any(r.get("lien_site_onisepfr", "").upper().endswith(f"/MET.{int(m.group(1))}") for r in hits):
        hits.extend(onisep_generated(q))  # a word-prefix search finds MET.84 for MET.8: the id itself too
    return hits or onisep_generated(q)


# ----------------------------------------------------------------------------------------------------
# Intercarif (offre-info): LHEO 2.2
# ----------------------------------------------------------------------------------------------------

FORMACODES = ("31054", "31067", "22403", "42780", "34566", "43409", "21046", "13250")


def luhn_siret(seed):
    digits = [int(c) for c in f"{seed % 10**13:013d}"]
    for check in range(10):
        total = 0
        for i, dgt in enumerate(reversed(digits + [check])):
            if i % 2 == 1:
                dgt *= 2
                if dgt > 9:
                    dgt -= 9
            total += dgt
        if total % 10 == 0:
            return "".join(map(str, digits)) + str(check)
    raise AssertionError


def offer_place(rome, dep, numero):
    """(code INSEE, postal code, town, latitude, longitude) of an offer in `dep`."""
    codes = DATA.communes_by_dep.get(dep)
    if codes:
        code = codes[h32(rome, dep, numero) % len(codes)]
        record = DATA.communes[code][1]
    else:
        code = dep + (f"{h32(numero) % 90 + 10:02d}" if len(dep) == 3 else f"{h32(numero) % 400 + 100:03d}")
        record = generated_commune(code)[1]
    lon, lat = record.get("centre", {}).get("coordinates", CENTRES.get(dep, (46.6, 2.4))[::-1])
    return code, (record["codesPostaux"] or [code])[0], record["nom"], lat, lon


def offer_numbers(rome, dep):
    n = 1 + h32(rome, dep) % 4
    return [f"14_AF_{rome}_{dep}_SE_{h32(rome, dep, i) % 900000 + 100000}" for i in range(n)]


def offer_facts(numero, rome, dep):
    f = rome_fiche(rome)
    code_insee, cp, ville, lat, lon = offer_place(rome, dep, numero)
    h = h32(numero)
    start = dt.date.today() + dt.timedelta(days=15 + h % 120)
    return {
        "numero": numero, "rome": rome, "dep": dep, "intitule": f"Titre professionnel {f['libelle']}",
        "formacode": FORMACODES[h % len(FORMACODES)], "nsf": str(200 + h % 130), "rncp": str(30000 + h % 9000),
        "organisme": f"Centre de formation {ville}", "organisme_numero": f"14_OF_{h % 10**10:010d}",
        "siret": luhn_siret(h * 7919 + 1), "cp": cp, "insee": code_insee, "ville": ville, "region": REGION_OF.get(dep, ""),
        "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "heures": str(100 + h % 900),
        "debut": start.strftime("%Y%m%d"), "fin": (start + dt.timedelta(days=60 + h % 240)).strftime("%Y%m%d"),
        "niveau_entree": str(h % 4), "niveau_sortie": str(3 + (h >> 4) % 4), "modalites": str((h >> 8) % 3),
    }


def xml_text(tag, value, attrs=""):
    return f"<{tag}{attrs}>{escape(str(value))}</{tag}>"


def resume_offre(o):
    file_url = f"http://www.intercariforef.org/serviceweb/offre-info/?versionLHEO=2.2&numeroAction={o['numero']}"
    return (
        f'<resume-offre href="http://www.intercariforef.org" numero={quoteattr(o["numero"])} file={quoteattr(file_url)}>\n'
        f"<domaine-formation>{xml_text('code-FORMACODE', o['formacode'])}{xml_text('code-NSF', o['nsf'])}"
        f"{xml_text('code-ROME', o['rome'])}</domaine-formation>\n"
        f"{xml_text('intitule-formation', o['intitule'])}\n"
        f"{xml_text('nom-organisme', o['organisme'], ' numero=' + quoteattr(o['organisme_numero']))}\n"
        f"{xml_text('SIRET', o['siret'])}{xml_text('codepostal', o['cp'])}{xml_text('code-INSEE-commune', o['insee'])}"
        f"{xml_text('ville', o['ville'])}{xml_text('departement', o['dep'])}{xml_text('region', o['region'])}\n"
        f"<certifiante>1</certifiante>{xml_text('code-niveau-entree', o['niveau_entree'])}"
        f"<prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>"
        f"{xml_text('modalites-enseignement', o['modalites'])}<code-public-vise>83056</code-public-vise>"
        f"{xml_text('nombre-heures-total', o['heures'])}\n"
        f"<session><periode>{xml_text('debut', o['debut'])}{xml_text('fin', o['fin'])}</periode>"
        f"<adresse-inscription><adresse><ligne>-</ligne>{xml_text('codepostal', o['cp'])}{xml_text('ville', o['ville'])}"
        f"</adresse></adresse-inscription></session>\n"
        f"<certification>{xml_text('code-RNCP', o['rncp'])}</certification>\n"
        f'<extras info="geolocalisation"><extra info="latitude">{o["lat"]}</extra>'
        f'<extra info="longitude">{o["lon"]}</extra></extras>'
        f'<extras info="complements"><extra info="code-niveau-sortie">{o["niveau_sortie"]}</extra></extras>\n'
        f"</resume-offre>\n"
    )


@lru_cache(maxsize=16384)
def intercarif_search(rome, dep):
    offers = [offer_facts(n, rome, dep) for n in offer_numbers(rome, dep)]
    today = dt.date.today()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<lheo-index xmlns="http://www.lheo.org/2.2">\n<resumes-offres>\n'
        + "".join(resume_offre(o) for o in offers)
        + f'<extras info="FLUX-CARIF"><extra info="date-export">{today:%Y%m%d}</extra>'
          f'<extra info="statut">OK</extra><extra info="nb-resultat">{len(offers)}</extra></extras>\n'
          "</resumes-offres>\n</lheo-index>\n"
    )


def adresse(o):
    return (
        f"<adresse><ligne>1 rue de la Formation</ligne>{xml_text('codepostal', o['cp'])}{xml_text('ville', o['ville'])}"
        f"{xml_text('departement', o['dep'])}{xml_text('code-INSEE-commune', o['insee'])}{xml_text('region', o['region'])}"
        f"<pays>FR</pays><geolocalisation>{xml_text('latitude', o['lat'])}{xml_text('longitude', o['lon'])}"
        f"</geolocalisation></adresse>"
    )


def intercarif_action(numero):
    """The full offer (<lheo>) holding action `numero`: generated from the (ROME, département) its
    number names when it is one of ours, else as an M1805 offer in Paris."""
    m = RE_ACTION.match(numero)
    rome, dep = (m.group(1), m.group(2)) if m and (m.group(2) in CENTRES) else ("M1805", "75")
    o = offer_facts(numero, rome, dep)
    url = f"https://www.intercariforef.org/formations/{escape(numero)}.html"
    coord = f"<coordonnees><nom>{escape(o['organisme'])}</nom>{adresse(o)}<web><urlweb>{url}</urlweb></web></coordonnees>"
    principal = ' tag="principal"'
    objectif = f"Obtenir la qualification de {rome_fiche(rome)['libelle']} pour accéder à l'emploi."
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<lheo xmlns="http://www.lheo.org/2.2">\n<offres>\n'
        f'<formation numero={quoteattr(numero.split("_SE_")[0])} datecrea="20240105" datemaj="20250110">\n'
        f"<domaine-formation>{xml_text('code-FORMACODE', o['formacode'], principal)}"
        f"{xml_text('code-NSF', o['nsf'])}{xml_text('code-ROME', rome)}</domaine-formation>\n"
        f"{xml_text('intitule-formation', o['intitule'])}\n"
        f"{xml_text('objectif-formation', objectif)}\n"
        f"<resultats-attendus>Titre professionnel de niveau {o['niveau_sortie']}</resultats-attendus>\n"
        f"<contenu-formation>Modules techniques, mises en situation professionnelle, stage en entreprise.</contenu-formation>\n"
        f"<certifiante>1</certifiante>\n<contact-formation>{coord}</contact-formation>\n"
        f"<parcours-de-formation>1</parcours-de-formation>{xml_text('code-niveau-entree', o['niveau_entree'])}"
        f"<objectif-general-formation>6</objectif-general-formation>\n"
        f"<certification>{xml_text('code-RNCP', o['rncp'])}</certification>"
        f"{xml_text('code-niveau-sortie', o['niveau_sortie'])}\n"
        f"<url-formation><urlweb>{url}</urlweb></url-formation>\n"
        f'<action numero={quoteattr(numero)} datecrea="20240105" datemaj="20250110">\n'
        f"<rythme-formation>Continu temps plein</rythme-formation><code-public-vise>83056</code-public-vise>"
        f"<niveau-entree-obligatoire>0</niveau-entree-obligatoire><modalites-alternance>-</modalites-alternance>"
        f"{xml_text('modalites-enseignement', o['modalites'])}<conditions-specifiques>-</conditions-specifiques>"
        f"<prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>\n"
        f"<lieu-de-formation>{coord}</lieu-de-formation>\n"
        f"<modalites-entrees-sorties>0</modalites-entrees-sorties><url-action><urlweb>{url}</urlweb></url-action>\n"
        f'<session numero="{h32(numero) % 900000 + 100000}" datecrea="20240105" datemaj="20250110">'
        f"<periode>{xml_text('debut', o['debut'])}{xml_text('fin', o['fin'])}</periode>"
        f"<adresse-inscription>{adresse(o)}</adresse-inscription><etat-recrutement>1</etat-recrutement></session>\n"
        f"<restauration>Restauration sur place</restauration><hebergement>Non</hebergement>"
        f"<transport>Accès transports en commun</transport><acces-handicapes>Accès handicapé possible</acces-handicapes>"
        f"<langue-formation>FR</langue-formation><modalites-recrutement>Entretien, Tests</modalites-recrutement>\n"
        f"{xml_text('nombre-heures-total', o['heures'])}{xml_text('prix-total-TTC', str(1500 + h32(numero) % 6000) + '.00')}\n"
        f"<organisme-formateur><SIRET-formateur>{xml_text('SIRET', o['siret'])}</SIRET-formateur>"
        f"{xml_text('raison-sociale-formateur', o['organisme'])}</organisme-formateur>\n"
        f"<organisme-financeur><code-financeur>10</code-financeur><nb-places-financees>8</nb-places-financees></organisme-financeur>\n"
        f"</action>\n"
        f"<organisme-formation-responsable numero={quoteattr(o['organisme_numero'])}>"
        f"<SIRET-organisme-formation>{xml_text('SIRET', o['siret'])}</SIRET-organisme-formation>"
        f"{xml_text('nom-organisme', o['organisme'])}{xml_text('raison-sociale', o['organisme'])}"
        f"<coordonnees-organisme>{coord}</coordonnees-organisme></organisme-formation-responsable>\n"
        "</formation>\n</offres>\n</lheo>\n"
    )


# ----------------------------------------------------------------------------------------------------
# Tokens and counters
# ----------------------------------------------------------------------------------------------------


class Tokens:
    def __init__(self, prefix):
        self.prefix = prefix
        self.lock = threading.Lock()
        self.issued = {}  # token -> expiry (monotonic), None for no expiry
        self.count = 0

    def issue(self, lifetime=None):
        with self.lock:
            self.count += 1
            token = f"{self.prefix}-{self.count}-{os.getpid()}"
            self.issued[token] = None if lifetime is None else time.monotonic() + lifetime
            return token

    def valid(self, headers):
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with self.lock:
            expiry = self.issued.get(auth[7:].strip(), 0)
        return expiry is None or (expiry != 0 and time.monotonic() < expiry)


ROME_TOKENS = Tokens("ft-token")
ONISEP_TOKENS = Tokens("eyJ-onisep")
ROME_TOKEN_LIFETIME = 1499


class Stats:
    def __init__(self, latency):
        self.latency = latency
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.since = time.time()
            self.total_in_flight = 0
            self.total_peak = 0
            self.sources = {s: {"requests": 0, "tokens": 0, "in_flight": 0, "peak_in_flight": 0,
                                "status": {}, "endpoints": {}, "with_traceparent": 0} for s in SOURCES}

    def begin(self, source, endpoint, token, traced):
        with self.lock:
            s = self.sources[source]
            s["endpoints"][endpoint] = s["endpoints"].get(endpoint, 0) + 1
            s["with_traceparent"] += traced
            if token:
                s["tokens"] += 1
                return
            s["requests"] += 1
            s["in_flight"] += 1
            s["peak_in_flight"] = max(s["peak_in_flight"], s["in_flight"])
            self.total_in_flight += 1
            self.total_peak = max(self.total_peak, self.total_in_flight)

    def end(self, source, status, token):
        with self.lock:
            s = self.sources[source]
            key = str(status)
            s["status"][key] = s["status"].get(key, 0) + 1
            if not token:
                s["in_flight"] -= 1
                self.total_in_flight -= 1

    def snapshot(self):
        with self.lock:
            sources = json.loads(json.dumps(self.sources))
            return {
                "since": dt.datetime.fromtimestamp(self.since, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "latency_ms": self.latency,
                "total": {"requests": sum(s["requests"] for s in sources.values()),
                          "tokens": sum(s["tokens"] for s in sources.values()),
                          "in_flight": self.total_in_flight, "peak_in_flight": self.total_peak},
                "sources": sources,
            }


# ----------------------------------------------------------------------------------------------------
# HTTP
# ----------------------------------------------------------------------------------------------------

ROME_METIER = re.compile(r"^/rome/partenaire/rome-metiers/v1/metiers/metier/([^/]+)$")
ROME_FICHE = re.compile(r"^/rome/partenaire/rome-fiches-metiers/v1/fiches-rome/fiche-metier/([^/]+)$")
GEO_LOOKUP = re.compile(r"^/geo/communes/([^/]+)$")
ONISEP_SEARCH = re.compile(r"^/onisep/api/1\.0/dataset/([^/]+)/search/?$")


def as_json(status, value, headers=()):
    return status, "application/json; charset=utf-8", json.dumps(value, ensure_ascii=False).encode("utf-8"), list(headers)


def as_xml(status, text):
    return status, "application/xml; charset=utf-8", text.encode("utf-8"), []


UNAUTHORIZED = (401, "application/json", b"", [("WWW-Authenticate", "Bearer")])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "passerelle-bench-upstreams/1"
    timeout = 300  # an idle keep-alive connection is closed after this

    def log_message(self, *args):  # no line per request
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        started = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        stats = self.server.stats
        route = self.route(method, path)
        if route is None:
            if path == "/_stats" and method == "GET":
                snapshot = stats.snapshot()
                if query.get("reset") in ("1", "true"):
                    stats.reset()
                return self.respond(*as_json(200, snapshot))
            if path == "/_reset" and method == "POST":
                stats.reset()
                return self.respond(*as_json(200, {"reset": True}))
            if path in ("/", "/_health"):
                return self.respond(*as_json(200, {"sources": list(SOURCES), "see": "the comment at the top of bench/upstreams.py"}))
            return self.respond(*as_json(404, {"message": f"{method} {path} : aucune route"}))
        source, endpoint, token, handler = route
        stats.begin(source, endpoint, token, "traceparent" in self.headers)
        status = 500
        try:
            try:
                answer = handler(query, body)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                answer = as_json(500, {"message": "erreur interne du bouchon"})
            status = answer[0]
            if not token:
                wait = self.server.latency[source] / 1000 - (time.monotonic() - started)
                if wait > 0:
                    time.sleep(wait)
            self.respond(*answer)
        finally:
            stats.end(source, status, token)

    def route(self, method, path):
        h = self.headers
        if method == "POST":
            if path == "/rome/connexion/oauth2/access_token":
                return "rome", "token", True, self.rome_token
            if path == "/onisep/api/1.0/login":
                return "onisep", "login", True, self.onisep_login
            return None
        if m := ROME_METIER.match(path):
            return "rome", "metier", False, lambda q, b, c=m.group(1): self.rome_guarded(h, rome_metier_body, c)
        if m := ROME_FICHE.match(path):
            return "rome", "fiche-metier", False, lambda q, b, c=m.group(1): self.rome_guarded(h, rome_fiche_metier_body, c)
        if path == "/rome/partenaire/rome-metiers/v1/metiers/appellation/requete":
            return "rome", "appellation-requete", False, lambda q, b: (
                as_json(200, rome_requete(q.get("q", ""))) if ROME_TOKENS.valid(h) else UNAUTHORIZED)
        if path == "/rome/partenaire/rome-metiers/v1/metiers/version":
            return "rome", "version", False, lambda q, b: (
                as_json(200, {"version": DATA.rome_version}) if ROME_TOKENS.valid(h) else UNAUTHORIZED)
        if m := GEO_LOOKUP.match(path):
            return "geo", "commune", False, lambda q, b, c=m.group(1): as_json(*geo_lookup(c, q))
        if path in ("/geo/communes", "/geo/communes/"):
            return "geo", "communes", False, lambda q, b: as_json(*geo_search(q))
        if m := ONISEP_SEARCH.match(path):
            return "onisep", "search", False, lambda q, b, d=m.group(1): self.onisep_dataset(h, d, q)
        if path in ("/offre-info/serviceweb2/offre-info/", "/offre-info/serviceweb2/offre-info"):
            return "offre-info", "offre-info", False, self.intercarif
        return None

    # --- France Travail ---

    def rome_token(self, query, body):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        realm = query.get("realm")
        if realm != "/partenaire":
            return as_json(400, {"error": "invalid_request", "error_description": "realm=/partenaire attendu"})
        if form.get("grant_type") != "client_credentials":
            return as_json(400, {"error": "unsupported_grant_type"})
        if not form.get("client_id") or not form.get("client_secret"):
            return as_json(401, {"error": "invalid_client"})
        if "api_rome-metiersv1" not in form.get("scope", "").split():
            return as_json(400, {"error": "invalid_scope"})
        return as_json(200, {"access_token": ROME_TOKENS.issue(ROME_TOKEN_LIFETIME), "token_type": "Bearer",
                             "expires_in": ROME_TOKEN_LIFETIME, "scope": form["scope"]})

    @staticmethod
    def rome_guarded(headers, build, code):
        if not ROME_TOKENS.valid(headers):
            return UNAUTHORIZED
        code = code.upper()
        if not RE_ROME.match(code):
            return 404, "application/json", b"", []
        return 200, "application/json; charset=utf-8", build(code), []

    # --- ONISEP ---

    def onisep_login(self, query, body):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if not form.get("email") or not form.get("password"):
            return as_json(401, {"code": 401, "message": "Invalid credentials."})
        return as_json(200, {"token": ONISEP_TOKENS.issue()})

    @staticmethod
    def onisep_dataset(headers, dataset, q):
        if not ONISEP_TOKENS.valid(headers):
            return as_json(401, {"code": 401, "message": "Expired JWT Token"})
        if not headers.get("Application-ID", "").strip():
            return as_json(403, {"message": "Application-ID inconnu"})
        if not dataset.isalnum():
            return 404, "application/json", b"", []
        try:
            size = int(q.get("size", "10"))
            start = int(q.get("from", "0"))
        except ValueError:
            return as_json(400, {"message": "size et from : des entiers"})
        if size > 1000:
            return as_json(400, {"message": "size trop grand"})
        hits = onisep_search(q.get("q", ""))
        page = hits[start:start + size]
        return as_json(200, {"total": len(hits), "size": len(page), "from": start, "results": page, "facets": {}})

    # --- Intercarif ---

    @staticmethod
    def intercarif(q, body):
        if q.get("versionLHEO") != "2.2":
            return 400, "text/plain; charset=utf-8", "versionLHEO manquant".encode(), []
        numero = q.get("numeroAction")
        if numero is not None:
            numero = numero.strip()
            if not numero or numero == "00_sonde":  # passerelle's health probe asks for an action that does not exist
                return 404, "text/plain", b"", []
            return as_xml(200, intercarif_action(numero))
        rome, dep = q.get("idsMetiers", "").strip().upper(), q.get("code-departement", "").strip().upper()
        if not rome or not dep:
            return 400, "text/plain; charset=utf-8", "idsMetiers et code-departement attendus".encode(), []
        if not RE_ROME.match(rome) or dep not in CENTRES:
            return as_xml(200, '<?xml version="1.0" encoding="utf-8"?>\n<lheo-index xmlns="http://www.lheo.org/2.2">'
                               '<resumes-offres><extras info="FLUX-CARIF"><extra info="statut">OK</extra>'
                               '<extra info="nb-resultat">0</extra></extras></resumes-offres></lheo-index>\n')
        return as_xml(200, intercarif_search(rome, dep))

    # --- the wire ---

    def respond(self, status, content_type, payload, headers):
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Server: {self.server_version}",
                 f"Content-Type: {content_type}", f"Content-Length: {len(payload)}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if self.close_connection:
            lines.append("Connection: close")
        # One write: headers and body leave in the same segment (no Nagle / delayed-ACK stall).
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def parse_latency(default_ms, spec):
    latency = {s: float(default_ms) for s in SOURCES}
    for item in filter(None, (p.strip() for p in (spec or "").split(","))):
        name, _, value = item.partition("=")
        name = name.strip().lower().replace("_", "-")
        if name == "offre" or name == "intercarif":
            name = "offre-info"
        if name not in latency or not value:
            raise SystemExit(f"--latency : « {item} » ; attendu source=ms avec source parmi {', '.join(SOURCES)}")
        latency[name] = float(value)
    return latency


def main():
    parser = argparse.ArgumentParser(description="Upstream stand-ins for passerelle's live (http) sources.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added latency of every data answer")
    parser.add_argument("--latency", default="", help="per source, e.g. rome=20,geo=5,onisep=10,offre-info=15")
    parser.add_argument("--data", default=None,
                        help="reference data folder (default: $PASSERELLE_DATA or ../shared/data from the "
                             "repository); 'none': generated answers only")
    args = parser.parse_args()
    latency = parse_latency(args.latency_ms, args.latency)

    loaded = {}
    if (args.data or "").lower() != "none":
        root = Path(args.data or os.environ.get("PASSERELLE_DATA")
                    or Path(__file__).resolve().parent.parent.parent / "shared" / "data")
        if root.is_dir():
            loaded = DATA.load(root)
        elif args.data:
            raise SystemExit(f"--data {args.data} : dossier introuvable")

    server = Server((args.host, args.port), Handler)
    server.stats = Stats(latency)
    server.latency = latency
    port = server.server_address[1]
    base = f"http://{args.host}:{port}"
    urls = {
        "rome": {"url": f"{base}/rome/partenaire",
                 "token_url": f"{base}/rome/connexion/oauth2/access_token?realm=%2Fpartenaire"},
        "geo": {"url": f"{base}/geo"},
        "onisep": {"url": f"{base}/onisep/api/1.0", "login_url": f"{base}/onisep/api/1.0/login"},
        "offre-info": {"url": f"{base}/offre-info/serviceweb2/offre-info/"},
    }
    env = {}
    for source, u in urls.items():
        key = "PASSERELLE_SOURCES__" + source.upper().replace("-", "_")
        env[key + "__MODE"] = "http"
        env[key + "__URL"] = u["url"]
    env["PASSERELLE_SOURCES__ROME__HTTP__TOKEN_URL"] = urls["rome"]["token_url"]
    env.update({
        "FRANCE_TRAVAIL_CLIENT_ID": "PAR_passerelle_bench", "FRANCE_TRAVAIL_CLIENT_SECRET": "bench-secret",
        "ONISEP_EMAIL": "bench@exemple.fr", "ONISEP_PASSWORD": "bench-password", "ONISEP_APPLICATION_ID": "bench-app",
    })
    env_bench = {}
    for source in SOURCES:
        key = "PASSERELLE_SOURCES__" + source.upper().replace("-", "_")
        env_bench[key + "__HTTP__RATE_LIMIT"] = "100000"
        env_bench[key + "__HTTP__CONCURRENCY"] = "256"
        env_bench[key + "__CACHE__CAPACITY_MB"] = "0"
    print(json.dumps({"port": port, "base": base, "sources": urls, "latency_ms": latency, "env": env,
                      "env_bench": env_bench, "data": loaded}, ensure_ascii=False), flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
