// The playground's examples, shared by GraphiQL and the minimal page; each runs without error
// (tests/api/playground.rs). Queries whose name starts with "Formations" take `{ "code": "69123" }`.
window.PASSERELLE_EXAMPLES = {
  "Un métier et tout ce qui s'y rattache": `query MetierEtAlentours {
  metier(codeRome: "M1805") {
    codeRome
    libelle
    domaineProfessionnel { code libelle }
    appellations(first: 3) { libelle }
    fichesOnisep { rattachement fiche { id libelle url } }
    actionsFormation(filtre: { autour: { codeInsee: "69123", rayonKm: 50 } }, first: 5) {
      totalCount
      edges { distanceKm node { formation { intitule } lieu { commune { codeInsee nom } } } }
    }
    ressources(first: 5) { totalCount edges { node { titre categorie } } }
    provenance { source recupereLe }
  }
  sources { id nom licence enregistrements statut }
}`,
  "Chercher un métier par ses mots": `query RechercheMetiers {
  appellations(recherche: "dévelopeur web", first: 5) {
    totalCount
    edges { node { libelle principale metier { codeRome libelle } } }
  }
  metiers(recherche: "aide soignante", filtre: { riasecMajeur: S }, first: 3) {
    totalCount
    nodes { codeRome libelle riasecMajeur riasecMineur }
  }
}`,
  "Fiche métier complète (ROME 4.0)": `query FicheRome {
  metier(codeRome: "M1805") {
    codeRome libelle version definition accesMetier
    riasecMajeur riasecMineur transitionEcologique transitionNumerique
    grandDomaine { code libelle } domaineProfessionnel { code libelle }
    appellations { libelle principale peuUsitee }
    competences { libelle importance macroCompetence { libelle } }
    savoirsEtre { libelle }
    savoirs { categorie savoirs { libelle } }
    contextesTravail { type { libelle } contextes { libelle } }
    centresInteret { libelle principal }
    secteursActivite { libelle sousSecteur { libelle } principal }
    divisionsNaf { code libelle } themes { libelle }
    fichesDetaillees { codeRome libelle }
    mobilites { ordre cible { codeRome libelle } }
  }
}`,
  "Le référentiel ROME": `query ReferentielRome {
  grandsDomaines { code libelle domainesProfessionnels { code libelle } }
}`,
  "Fiches ONISEP et certifications": `query OnisepEtCertifications {
  fichesOnisep(recherche: "developpeur informatique", first: 3) {
    totalCount
    nodes {
      id libelle url accroche synonymes
      niveauAccesMinimum { libelle }
      metiers { rattachement metier { codeRome libelle } }
      formationsMinimales { id libelle certifications { rncp intitule } }
    }
  }
  certification(rncp: "35340") {
    rncp certifInfo cfd intitule niveauEuropeen
    correspondances { certifInfo cfd formationOnisep { id libelle } }
    metiers { rattachement metier { codeRome libelle } }
    formacodes { code libelle }
  }
  metier(codeRome: "M1855") {
    libelle
    fichesOnisep { rattachement fiche { id libelle } }
    certifications { rattachement certification { rncp intitule } }
    formacodes { code libelle }
  }
}`,
  "Formations près d'une commune": `query FormationsAutour($code: CodeInsee!) {
  actionsFormation(filtre: { autour: { codeInsee: $code, rayonKm: 30 } }, first: 10) {
    totalCount
    edges { distanceKm node { numero formation { intitule codesRome } prochaineSession { debut fin } } }
  }
}`,
  "Formations : tous les filtres": `query FormationsFiltrees {
  actionsFormation(
    filtre: {
      codesRome: ["M1855"]
      autour: { codeInsee: "69123", rayonKm: 60 }
      sessionsDebutant: { du: "2026-01-01", au: "2026-12-31" }
      modalitesEnseignement: [PRESENTIEL, MIXTE]
      recrutementOuvert: true
    }
    first: 5
  ) {
    totalCount
    edges {
      distanceKm rattachement
      node {
        numero eligibleCpf
        formation { intitule niveauSortie { libelle } certifications { rncp certification { intitule } } }
        lieu { ville originePosition }
        prochaineSession { debut fin etatRecrutement { libelle } }
      }
    }
  }
}`,
  "Découvrir les métiers : événements de l'Ain": `query EvenementsAin {
  ressources(filtre: { categories: [EVENEMENT], departements: ["01"], du: "2026-01-01" }, first: 10) {
    totalCount
    edges {
      node {
        id titre sousType debut dates { debut fin horaires }
        lieu { commune { nom } } operateur { nom } contact { nom email }
        sousEvenements { id titre } ressourceParente { id titre }
      }
    }
  }
}`,
  "Annuaire des sources": `query Sources {
  sources {
    id nom producteur licence mode statut enregistrements version chargeLe nombreAnomalies
    anomalies(first: 5) { probleme nombre emplacement }
  }
}`
};
