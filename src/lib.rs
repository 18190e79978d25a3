//! passerelle
