//! Adaptateur ONISEP Idéo-Métiers : export open data XML
