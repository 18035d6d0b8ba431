import Foundation

/// The languages the passport page speaks.
enum PageLanguage: String, CaseIterable, Sendable {
    case en, de, fr

    /// The language's name in itself, for the page's language switch.
    var name: String {
        switch self {
        case .en: "English"
        case .de: "Deutsch"
        case .fr: "Français"
        }
    }

    /// The language a request asks for: `lang` from the query when it names one we speak, else the
    /// first of `Accept-Language` (by quality) we speak, else English.
    static func negotiated(query: String?, acceptLanguage: String?) -> PageLanguage {
        if let query, let chosen = PageLanguage(rawValue: query.lowercased()) { return chosen }
        var ranges: [(language: PageLanguage, quality: Double, order: Int)] = []
        for (order, item) in (acceptLanguage ?? "").split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, let primary = tag.split(separator: "-").first,
                let language = PageLanguage(rawValue: primary.lowercased())
            else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { ranges.append((language, quality, order)) }
        }
        return ranges.sorted { $0.quality != $1.quality ? $0.quality > $1.quality : $0.order < $1.order }.first?.language ?? .en
    }

    /// A decimal number as the language writes it (`51.2`, `51,2`).
    func decimal(_ text: String) -> String {
        self == .en ? text : text.replacingOccurrences(of: ".", with: ",")
    }

    /// A day (`2026-11-30`) as the language writes it: 2026-11-30, 30.11.2026, 30/11/2026.
    func day(_ isoDay: some StringProtocol) -> String {
        let parts = isoDay.prefix(10).split(separator: "-")
        guard parts.count == 3 else { return String(isoDay.prefix(10)) }
        switch self {
        case .en: return String(isoDay.prefix(10))
        case .de: return "\(parts[2]).\(parts[1]).\(parts[0])"
        case .fr: return "\(parts[2])/\(parts[1])/\(parts[0])"
        }
    }
}

/// Every string the passport page shows, in each of its languages: one catalogue. `{0}`, `{1}`, …
/// stand for the values ``PageText/callAsFunction(_:_:)`` fills in.
enum PageText: CaseIterable {
    case pageTitleSuffix, language
    case greenTitle, greenSummary, amberTitle, amberSummary, redTitle, redSummary
    case why, everyCheckPassed, checked, notCheckedAgainstTrust
    case passport, publicView, groupsView, roleRefused
    case identity, health, materials, warrantyAndSafety, lifeCycle
    case model, gtin, serial, batch, manufacturer, manufactured, category, ratedCapacity, ratedEnergy, nominalVoltage
    case stateOfHealth, chargeCycles, firmware, chemistry, mass, warranty, warrantyPeriod, recall, firmwareAdvisory, status, firstLife, owner
    case firmwareVersion, period, periodVoided, months, monthsAndYears, repurposedFrom
    case history, carriedBy, readingsAccepted, signedBy
    case manufacturedEvent, handedOver, handedOverTo, recalledEvent, firmwareInstalled, firmwareAdvisoryEvent, warrantyVoided
    case bmsReplaced, recycledEvent, repurposedEvent, recallEnded, passportUpdated
    case chartCaption, ledgerSlot, cycles, pointTitle
    case anchor, anchored, notAnchored, onChain, chainAnchored, provablyNotIssued, notIssued, notIssuedAnchored, notIssuedUnanchored
    case downloadBundle, checkedAt
    case forMachines, linkset, untpPassport, untpEvents, supplyChainEvent
    case provenance, provenanceNone, component, componentNotFound, componentNotEvent, eventsOfComponent, moreEvents, verified, notVerified

    /// The text in English, German and French.
    private var translations: (en: String, de: String, fr: String) {
        switch self {
        case .pageTitleSuffix: ("Voltpass", "Voltpass", "Voltpass")
        case .language: ("Language", "Sprache", "Langue")
        case .greenTitle: ("Genuine battery", "Echte Batterie", "Batterie authentique")
        case .greenSummary:
            (
                "Its credentials, status and anchored passport all check out.",
                "Nachweise, Status und verankerter Pass sind in Ordnung.",
                "Ses attestations, son statut et son passeport ancré sont vérifiés."
            )
        case .amberTitle: ("Genuine, needs attention", "Echt, bitte beachten", "Authentique, à surveiller")
        case .amberSummary:
            (
                "The battery is genuine, but something in its passport needs your attention.",
                "Die Batterie ist echt, aber ihr Pass enthält einen Hinweis, den Sie beachten sollten.",
                "La batterie est authentique, mais son passeport signale un point à surveiller."
            )
        case .redTitle: ("Do not accept", "Nicht annehmen", "Ne pas accepter")
        case .redSummary:
            (
                "This battery failed verification: it may be counterfeit, recalled or out of service.",
                "Diese Batterie hat die Prüfung nicht bestanden: Sie kann gefälscht, zurückgerufen oder außer Betrieb sein.",
                "Cette batterie n’a pas passé la vérification : elle peut être contrefaite, rappelée ou hors service."
            )
        case .why: ("Why", "Warum", "Pourquoi")
        case .everyCheckPassed: ("Every check passed.", "Alle Prüfungen bestanden.", "Toutes les vérifications sont passées.")
        case .checked: ("Checked: {0}.", "Geprüft: {0}.", "Vérifié : {0}.")
        case .notCheckedAgainstTrust:
            (
                "Could not be checked against anything trusted: {0}.", "Nicht gegen eine vertrauenswürdige Quelle prüfbar: {0}.",
                "Impossible à vérifier auprès d’une source de confiance : {0}."
            )
        case .passport: ("Passport", "Pass", "Passeport")
        case .publicView:
            (
                "The public attributes. Repairers, recyclers, second-life operators and authorities see more with a role credential.",
                "Die öffentlichen Angaben. Reparaturbetriebe, Recycler, Second-Life-Betreiber und Behörden sehen mit einem Rollennachweis mehr.",
                "Les informations publiques. Réparateurs, recycleurs, opérateurs de seconde vie et autorités en voient davantage avec une attestation de rôle."
            )
        case .groupsView: ("Attributes for: {0}.", "Angaben für: {0}.", "Informations pour : {0}.")
        case .roleRefused:
            (
                "The role credential presented was not accepted ({0}): {1}.", "Der vorgelegte Rollennachweis wurde nicht angenommen ({0}): {1}.",
                "L’attestation de rôle présentée n’a pas été acceptée ({0}) : {1}."
            )
        case .identity: ("Identity", "Identität", "Identité")
        case .health: ("Performance and health", "Leistung und Zustand", "Performance et état de santé")
        case .materials: ("Materials", "Materialien", "Matériaux")
        case .warrantyAndSafety: ("Warranty and safety", "Garantie und Sicherheit", "Garantie et sécurité")
        case .lifeCycle: ("Ownership and life cycle", "Eigentum und Lebenszyklus", "Propriété et cycle de vie")
        case .model: ("Model", "Modell", "Modèle")
        case .gtin: ("GTIN", "GTIN", "GTIN")
        case .serial: ("Serial number", "Seriennummer", "Numéro de série")
        case .batch: ("Batch", "Charge", "Lot")
        case .manufacturer: ("Manufacturer", "Hersteller", "Fabricant")
        case .manufactured: ("Manufactured", "Hergestellt", "Fabriquée le")
        case .category: ("Category", "Kategorie", "Catégorie")
        case .ratedCapacity: ("Rated capacity", "Nennkapazität", "Capacité nominale")
        case .ratedEnergy: ("Rated energy", "Nennenergie", "Énergie nominale")
        case .nominalVoltage: ("Nominal voltage", "Nennspannung", "Tension nominale")
        case .stateOfHealth: ("State of health", "Gesundheitszustand", "État de santé")
        case .chargeCycles: ("Charge cycles", "Ladezyklen", "Cycles de charge")
        case .firmware: ("Firmware", "Firmware", "Micrologiciel")
        case .chemistry: ("Chemistry", "Zellchemie", "Chimie")
        case .mass: ("Mass", "Masse", "Masse")
        case .warranty: ("Warranty", "Garantie", "Garantie")
        case .warrantyPeriod: ("Warranty period", "Garantiedauer", "Durée de garantie")
        case .recall: ("Recall", "Rückruf", "Rappel")
        case .firmwareAdvisory: ("Firmware advisory", "Firmware-Hinweis", "Avis sur le micrologiciel")
        case .status: ("Status", "Status", "Statut")
        case .firstLife: ("First life", "Erstes Leben", "Première vie")
        case .owner: ("Owner", "Eigentümer", "Propriétaire")
        case .firmwareVersion: ("version {0}", "Version {0}", "version {0}")
        case .period: ("{0} to {1}", "{0} bis {1}", "du {0} au {1}")
        case .periodVoided: ("{0} to {1}, voided", "{0} bis {1}, erloschen", "du {0} au {1}, annulée")
        case .months: ("{0} months", "{0} Monate", "{0} mois")
        case .monthsAndYears: ("{0} months ({1} years)", "{0} Monate ({1} Jahre)", "{0} mois ({1} ans)")
        case .repurposedFrom: ("repurposed from {0}", "umgewidmet aus {0}", "reconditionnée à partir de {0}")
        case .history: ("History", "Verlauf", "Historique")
        case .carriedBy: ("Passport carried by {0}.", "Pass geführt von {0}.", "Passeport tenu par {0}.")
        case .readingsAccepted:
            (
                "{0} signed BMS reading(s) accepted, the newest dated by ledger slot {1}",
                "{0} signierte BMS-Messung(en) angenommen, die neueste datiert durch Ledger-Slot {1}",
                "{0} relevé(s) BMS signé(s) accepté(s), le plus récent daté par le slot {1} du registre"
            )
        case .signedBy: ("{0} (signed by {1})", "{0} (signiert von {1})", "{0} (signé par {1})")
        case .manufacturedEvent: ("Manufactured and given its passport", "Hergestellt und mit Pass versehen", "Fabriquée et dotée de son passeport")
        case .handedOver: ("Handed over to a new owner", "An neuen Eigentümer übergeben", "Remise à un nouveau propriétaire")
        case .handedOverTo: ("Handed over to {0}", "Übergeben an {0}", "Remise à {0}")
        case .recalledEvent: ("Recalled: {0}", "Zurückgerufen: {0}", "Rappelée : {0}")
        case .firmwareInstalled: ("Firmware {0} installed", "Firmware {0} installiert", "Micrologiciel {0} installé")
        case .firmwareAdvisoryEvent:
            ("Firmware {0} installed, advisory: {1}", "Firmware {0} installiert, Hinweis: {1}", "Micrologiciel {0} installé, avis : {1}")
        case .warrantyVoided: ("Warranty voided", "Garantie erloschen", "Garantie annulée")
        case .bmsReplaced:
            ("Battery management module replaced", "Batteriemanagement-Modul ersetzt", "Module de gestion de batterie remplacé")
        case .recycledEvent: ("Recycled", "Recycelt", "Recyclée")
        case .repurposedEvent: ("Repurposed for a second life", "Für ein zweites Leben umgewidmet", "Reconditionnée pour une seconde vie")
        case .recallEnded: ("Recall ended", "Rückruf beendet", "Rappel levé")
        case .passportUpdated: ("Passport updated ({0})", "Pass aktualisiert ({0})", "Passeport mis à jour ({0})")
        case .chartCaption:
            (
                "State of health (solid line, 0 to 100 %) and charge cycles (dashed line, 0 to {0}) by signed reading, oldest first.",
                "Gesundheitszustand (durchgezogene Linie, 0 bis 100 %) und Ladezyklen (gestrichelte Linie, 0 bis {0}) je signierter Messung, älteste zuerst.",
                "État de santé (ligne continue, de 0 à 100 %) et cycles de charge (ligne pointillée, de 0 à {0}) par relevé signé, du plus ancien au plus récent."
            )
        case .ledgerSlot: ("Ledger slot", "Ledger-Slot", "Slot du registre")
        case .cycles: ("Cycles", "Zyklen", "Cycles")
        case .pointTitle: ("{0} % after {1} cycles, slot {2}", "{0} % nach {1} Zyklen, Slot {2}", "{0} % après {1} cycles, slot {2}")
        case .anchor: ("Anchor", "Verankerung", "Ancrage")
        case .anchored:
            (
                "The operator’s passport trie, root {0}, was anchored in ledger transaction {1} at slot {2} (checkpoint {3}, signed {4}).",
                "Der Pass-Trie des Betreibers, Wurzel {0}, wurde in der Ledger-Transaktion {1} bei Slot {2} verankert (Checkpoint {3}, signiert {4}).",
                "L’arbre des passeports de l’opérateur, racine {0}, a été ancré dans la transaction {1} au slot {2} (point de contrôle {3}, signé le {4})."
            )
        case .notAnchored:
            (
                "The operator has not anchored its passport trie yet.", "Der Betreiber hat seinen Pass-Trie noch nicht verankert.",
                "L’opérateur n’a pas encore ancré son arbre des passeports."
            )
        case .onChain: ("On chain", "Auf der Blockchain", "Sur la chaîne")
        case .chainAnchored:
            (
                "Root {0} is anchored on {1} in transaction {2} (output {3}{4}; move {5} of the operator’s anchor token). Any {1} explorer confirms it by that id.",
                "Die Wurzel {0} ist auf {1} in der Transaktion {2} verankert (Ausgabe {3}{4}; Schritt {5} des Anker-Tokens des Betreibers). Jeder {1}-Explorer bestätigt es anhand dieser Kennung.",
                "La racine {0} est ancrée sur {1} dans la transaction {2} (sortie {3}{4} ; mouvement {5} du jeton d’ancrage de l’opérateur). Tout explorateur {1} le confirme par cet identifiant."
            )
        case .provablyNotIssued: ("Provably not issued", "Nachweislich nicht ausgegeben", "Non émise, preuve à l’appui")
        case .notIssued:
            (
                "The passport trie of {0}, whose GS1 company prefix this number carries, does not hold it: a Merkle Patricia Forestry proof of absence against its root {1}{2}. Anyone can check it with the proof in the JSON form of this page.",
                "Der Pass-Trie von {0}, dessen GS1-Firmenpräfix diese Nummer trägt, enthält sie nicht: ein Merkle-Patricia-Forestry-Abwesenheitsbeweis gegen seine Wurzel {1}{2}. Jeder kann ihn mit dem Beweis in der JSON-Form dieser Seite prüfen.",
                "L’arbre des passeports de {0}, dont ce numéro porte le préfixe d’entreprise GS1, ne le contient pas : une preuve d’absence Merkle Patricia Forestry contre sa racine {1}{2}. Chacun peut la vérifier avec la preuve de la forme JSON de cette page."
            )
        case .notIssuedAnchored: (", anchored in transaction {0}", ", verankert in der Transaktion {0}", ", ancrée dans la transaction {0}")
        case .notIssuedUnanchored: (" (not yet anchored)", " (noch nicht verankert)", " (pas encore ancrée)")
        case .supplyChainEvent: ("Supply-chain event: {0}", "Lieferkettenereignis: {0}", "Événement de la chaîne d’approvisionnement : {0}")
        case .forMachines: ("For machines", "Für Maschinen", "Pour les machines")
        case .linkset: ("links (RFC 9264 linkset)", "Verweise (RFC-9264-Linkset)", "liens (linkset RFC 9264)")
        case .untpPassport: ("UNTP product passport", "UNTP-Produktpass", "passeport produit UNTP")
        case .untpEvents: ("UNTP traceability events", "UNTP-Rückverfolgbarkeitsereignisse", "événements de traçabilité UNTP")
        case .provenance: ("Provenance", "Herkunft", "Provenance")
        case .provenanceNone:
            (
                "The bill of materials names no component credential.", "Die Stückliste nennt keinen Komponentennachweis.",
                "La nomenclature ne cite aucune attestation de composant."
            )
        case .component: ("{0} of {1}, signed by {2}", "{0} von {1}, signiert von {2}", "{0} de {1}, signé par {2}")
        case .componentNotFound:
            (
                "Component credential {0} is not held here.", "Der Komponentennachweis {0} liegt hier nicht vor.",
                "L’attestation de composant {0} n’est pas disponible ici."
            )
        case .componentNotEvent:
            ("Component credential {0}", "Komponentennachweis {0}", "Attestation de composant {0}")
        case .eventsOfComponent: ("Events of {0}", "Ereignisse zu {0}", "Événements de {0}")
        case .moreEvents: ("Older events are not listed.", "Ältere Ereignisse sind nicht aufgeführt.", "Les événements plus anciens ne sont pas listés.")
        case .verified: ("verified", "geprüft", "vérifié")
        case .notVerified: ("not verified: {0}", "nicht bestätigt: {0}", "non vérifié : {0}")
        case .downloadBundle: ("Download the offline bundle", "Offline-Paket herunterladen", "Télécharger le paquet hors ligne")
        case .checkedAt: ("Checked {0} for the scan “{1}”.", "Geprüft {0} für den Scan „{1}“.", "Vérifié le {0} pour le scan « {1} ».")
        }
    }

    /// The text in `language` with `values` in place of `{0}`, `{1}`, … (already escaped for HTML
    /// when the caller needs that).
    func callAsFunction(_ language: PageLanguage, _ values: String...) -> String {
        var text =
            switch language {
            case .en: translations.en
            case .de: translations.de
            case .fr: translations.fr
            }
        for (index, value) in values.enumerated() { text = text.replacingOccurrences(of: "{\(index)}", with: value) }
        return text
    }
}
