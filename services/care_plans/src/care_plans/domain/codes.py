"""The clinical code sets and local FHIR vocabulary the register's rules are made of.

Kept in one place so a clinical safety officer can review every code a rule depends
on. SNOMED CT codes are listed with their preferred terms; where a concept has
descendants that matter here (types of diabetes) they are listed explicitly, because
this service has no terminology server to expand hierarchies. The local FHIR
vocabulary (extension URLs, code and identifier systems) is in `fhir.vocabulary`.
"""

from __future__ import annotations

SNOMED = "http://snomed.info/sct"
COMPREHENSIVE = "comprehensive"
CONDITION_SPECIFIC = "condition-specific"

DIABETES: dict[str, str] = {
    "73211009": "Diabetes mellitus",
    "46635009": "Type 1 diabetes mellitus",
    "44054006": "Type 2 diabetes mellitus",
    "11687002": "Gestational diabetes mellitus",
    "8801005": "Secondary diabetes mellitus",
    "190372001": "Maturity onset diabetes of the young",
}
COPD: dict[str, str] = {"13645005": "Chronic obstructive lung disease"}
SIX_MONTHLY_REVIEW = frozenset(DIABETES) | frozenset(COPD)
"""NHS QOF and the commissioners' G1: diabetes and COPD are reviewed twice a year."""

LONG_TERM_CONDITIONS: frozenset[str] = SIX_MONTHLY_REVIEW | frozenset(
    {
        "195967001",  # Asthma
        "84114007",  # Heart failure
        "38341003",  # Hypertensive disorder
        "709044004",  # Chronic kidney disease
        "53741008",  # Coronary arteriosclerosis
        "49436004",  # Atrial fibrillation
        "230690007",  # Cerebrovascular accident
        "52448006",  # Dementia
        "35489007",  # Depressive disorder
        "69896004",  # Rheumatoid arthritis
        "84757009",  # Epilepsy
        "363346000",  # Malignant neoplastic disease
    }
)
FRAILTY = frozenset(
    {
        "248279007",  # Frailty
        "925791000000100",  # Mild frailty (eFI)
        "925831000000107",  # Moderate frailty (eFI)
        "925861000000102",  # Severe frailty (eFI)
    }
)
END_OF_LIFE = frozenset(
    {
        "300936002",  # Terminal illness
        "162607003",  # Terminal illness - late stage
    }
)
