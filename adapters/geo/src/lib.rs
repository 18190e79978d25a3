//! Référentiel des communes (La Poste, base officielle des codes postaux)
