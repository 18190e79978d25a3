//! Adaptateur Repère Métiers (Auvergne-Rhône-Alpes) : ressources de découverte des métiers
