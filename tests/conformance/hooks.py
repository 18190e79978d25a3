# Strategies for passerelle's custom scalars, so that schemathesis generates valid and invalid codes
# alike (loaded with SCHEMATHESIS_HOOKS=hooks from this folder by ./tests/run.sh).
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

def _code(regex):
    # Mostly well-formed codes, sometimes anything: both must be answered without a server error.
    return st.one_of(st.from_regex(regex, fullmatch=True), st.text(max_size=12)).map(nodes.String)

for name, regex in {
    "CodeRome": r"[A-N][0-9]{4}",
    "CodeInsee": r"(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B)[0-9]{3}",
    "CodeDepartement": r"(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])",
    "CodeRncp": r"RNCP[0-9]{1,6}",
    "CodeCertifInfo": r"[0-9]{1,6}",
    "CodeCfd": r"[0-9A-Z]{8}",
    "Formacode": r"[0-9]{5}",
    "IdOnisep": r"MET\.[0-9]{1,5}",
    "IdFormationOnisep": r"FOR\.[0-9]{1,5}",
    "Siret": r"[0-9]{14}",
    "Date": r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
    "DateTime": r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T[01][0-9]:[0-5][0-9]:[0-5][0-9]Z",
}.items():
    schemathesis.graphql.scalar(name, _code(regex))
