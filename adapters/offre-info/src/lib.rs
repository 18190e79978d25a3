//! Adaptateur Offre Info (Réseau des Carif-Oref) : offres de formation LHEO
