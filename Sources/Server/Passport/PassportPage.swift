import Credentials
import Encoding
import Foundation
import Passport

/// The page a person sees after scanning a battery: a green, amber or red verdict with its reasons,
/// the public passport attributes, and a link to the offline bundle. Self-contained HTML (no
/// scripts, no external resources), every value escaped.
enum PassportPage {
    /// Which access groups the attributes below are for, and why a role credential opened no more.
    static func accessNote(_ result: PassportVerification, in language: PageLanguage) -> String {
        let groups = AccessGroup.allCases.filter(result.accessGroups.contains).map(\.rawValue).joined(separator: ", ")
        let refused = result.accessRefused.map { " " + PageText.roleRefused(language, $0.code, $0.message) } ?? ""
        return (result.accessGroups == [.public] ? PageText.publicView(language) : PageText.groupsView(language, groups)) + refused
    }

    /// The page of `result` in `language`; `switchLink` gives the URL of this page in another language.
    static func html(
        _ result: PassportVerification, scanned: String, history: PassportHistory? = nil, language: PageLanguage = .en,
        switchLink: (PageLanguage) -> String = { "?lang=\($0.rawValue)" }
    ) -> String {
        let (title, summary) = headline(result.verdict, in: language)
        var reasons = ""
        for problem in result.failures + result.warnings {
            reasons += "<li><code>\(escape(problem.code))</code> \(escape(problem.message))</li>\n"
        }
        if reasons.isEmpty { reasons = "<li>\(escape(PageText.everyCheckPassed(language)))</li>\n" }
        let checked = result.checks.filter { !result.unverified.contains($0) }
        var checks = "<p id=\"checks\">\(escape(PageText.checked(language, checked.joined(separator: ", "))))"
        if !result.unverified.isEmpty { checks += " " + escape(PageText.notCheckedAgainstTrust(language, result.unverified.joined(separator: ", "))) }
        checks += "</p>\n"
        var sections = ""
        for (section, rows) in PassportAttributeDisplay.rows(result.visiblePassport, in: language) {
            sections += "<h3>\(escape(section.title(language)))</h3>\n<table class=\"passport\">\n"
            for row in rows {
                sections += "<tr><th scope=\"row\">\(escape(row.label))</th><td>\(value(row, operatorID: result.operatorID, history: history))</td></tr>\n"
            }
            sections += "</table>\n"
        }
        let details = result.accessGroups.contains(.legitimateInterest)
        var anchorSection = history.map { historySections($0, details: details, in: language) } ?? ""
        if let anchor = result.chainAnchor {
            let slot = anchor.slot.map { ", slot \($0)" } ?? ""
            let text = PageText.chainAnchored(
                language, "<code>\(escape(anchor.root.hex))</code>", escape(anchor.chain), "<code>\(escape(anchor.transaction.hex))</code>",
                String(anchor.outputIndex), slot, String(anchor.sequence))
            anchorSection += "<h2>\(escape(PageText.onChain(language)))</h2>\n<p id=\"chain-anchor\">\(text)</p>\n"
        }
        if let absent = result.nonMembership {
            let anchoring = absent.anchoredIn.map { PageText.notIssuedAnchored(language, "<code>\(escape($0.hex))</code>") }
                ?? escape(PageText.notIssuedUnanchored(language))
            let chain = absent.chain.map { " (\(escape($0)))" } ?? ""
            let text = PageText.notIssued(
                language, "<code>\(escape(absent.operatorID))</code>", "<code>\(escape(absent.root.hex))</code>", anchoring + chain)
            anchorSection = "<h2>\(escape(PageText.provablyNotIssued(language)))</h2>\n<p id=\"non-membership\">\(text)</p>\n"
        }
        var bundleLink = ""
        if result.operatorID != nil {
            let base = "/passports/\(escape(percentEncoded(result.batteryID)))"
            bundleLink = "<p><a id=\"bundle\" href=\"\(base)/bundle\" download=\"passport-bundle.json\">\(escape(PageText.downloadBundle(language)))</a></p>\n"
            bundleLink += "<p id=\"machine-forms\">\(escape(PageText.forMachines(language))): "
            bundleLink += "<a href=\"?linkType=all\" type=\"application/linkset+json\">\(escape(PageText.linkset(language)))</a> · "
            bundleLink += "<a href=\"\(base)/untp-dpp\" type=\"application/vc+ld+json\">\(escape(PageText.untpPassport(language)))</a> · "
            bundleLink += "<a href=\"\(base)/untp-dte\" type=\"application/vc+ld+json\">\(escape(PageText.untpEvents(language)))</a></p>"
        }
        let switches = PageLanguage.allCases.map { other in
            other == language
                ? "<strong lang=\"\(other.rawValue)\">\(other.name)</strong>"
                : "<a href=\"\(escape(switchLink(other)))\" hreflang=\"\(other.rawValue)\" lang=\"\(other.rawValue)\">\(other.name)</a>"
        }.joined(separator: " · ")
        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · \(PageText.pageTitleSuffix(language))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 0; color: #1b1f23; background: #f6f8fa; }
            main { max-width: 42rem; margin: 0 auto; padding: 1.5rem; overflow-wrap: break-word; }
            .verdict { border-radius: 0.75rem; padding: 1.5rem; color: #fff; }
            .green { background: #1a7f37; } .amber { background: #9a6700; } .red { background: #cf222e; }
            .verdict h1 { margin: 0 0 0.5rem; font-size: 2rem; }
            table { border-collapse: collapse; width: 100%; background: #fff; }
            th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
            th { width: 40%; font-weight: 600; }
            h3 { margin: 1.2rem 0 0.4rem; font-size: 1.05rem; }
            #languages { max-width: 42rem; margin: 0 auto; padding: 0.75rem 1.5rem 0; text-align: right; }
            @media print { #languages, #bundle, #machine-forms { display: none; } body { background: #fff; } .verdict { border: 2px solid #000; } }
            td { overflow-wrap: anywhere; }
            code { font-size: 0.85em; overflow-wrap: anywhere; }
            .id { word-break: break-all; color: #57606a; }
            .check { font-weight: 600; } .ok { color: #1a7f37; } .failed { color: #cf222e; }
            </style>
            </head>
            <body>
            <nav aria-label="\(escape(PageText.language(language)))" id="languages">\(switches)</nav>
            <main>
            <section id="verdict" class="verdict \(result.verdict.rawValue)" data-verdict="\(result.verdict.rawValue)">
            <h1><span class="icon" aria-hidden="true">\(icon(result.verdict))</span> \(escape(title))</h1>
            <p>\(escape(summary))</p>
            </section>
            <p class="id">\(escape(result.batteryID))</p>
            <h2>\(escape(PageText.why(language)))</h2>
            <ul id="reasons">
            \(reasons)</ul>
            \(checks)
            <h2>\(escape(PageText.passport(language)))</h2>
            <p id="access">\(escape(accessNote(result, in: language)))</p>
            <div id="passport">
            \(sections)</div>
            \(anchorSection)\(bundleLink)
            <p class="id">\(escape(PageText.checkedAt(language, XSDDateTime.format(result.verifiedAt), String(scanned.prefix(120)))))</p>
            </main>
            </body>
            </html>

            """
    }

    static func headline(_ verdict: PassportVerdict, in language: PageLanguage) -> (String, String) {
        switch verdict {
        case .green: (PageText.greenTitle(language), PageText.greenSummary(language))
        case .amber: (PageText.amberTitle(language), PageText.amberSummary(language))
        case .red: (PageText.redTitle(language), PageText.redSummary(language))
        }
    }

    /// The battery's timeline, its state-of-health chart (for readers who may see it) and where its
    /// passport is anchored.
    static func historySections(_ history: PassportHistory, details: Bool, in language: PageLanguage) -> String {
        var html = "<h2>\(escape(PageText.history(language)))</h2>\n<p>\(escape(PageText.carriedBy(language, history.operatorName)))</p>\n"
        html += "<ol id=\"timeline\">\n"
        for entry in history.timeline(details: details, in: language) {
            html += "<li><time datetime=\"\(escape(entry.date))\">\(escape(language.day(entry.date)))</time> \(escape(entry.text))</li>\n"
        }
        if let newest = history.readings.last {
            html += "<li>\(escape(PageText.readingsAccepted(language, String(history.readings.count), String(newest.slot))))</li>\n"
        }
        html += "</ol>\n"
        if details, !history.readings.isEmpty { html += healthChart(history.readings, in: language) }
        if let provenance = history.provenance { html += provenanceSection(provenance, in: language) }
        html += "<h2>\(escape(PageText.anchor(language)))</h2>\n"
        if let checkpoint = history.checkpoint {
            let text = PageText.anchored(
                language, "<code>\(escape(checkpoint.root.hex))</code>", "<code>\(escape(checkpoint.transaction.hex))</code>", String(checkpoint.slot),
                String(checkpoint.sequence), escape(XSDDateTime.format(checkpoint.issuedAt)))
            html += "<p id=\"anchor\">\(text)</p>\n"
        } else {
            html += "<p id=\"anchor\">\(escape(PageText.notAnchored(language)))</p>\n"
        }
        return html
    }

    /// The components the bill of materials names, each with its verdict, and the events of what each
    /// identifies (a cell lot's shipping, receiving, a recall), each with its own.
    static func provenanceSection(_ provenance: PassportProvenance, in language: PageLanguage) -> String {
        var html = "<h2>\(escape(PageText.provenance(language)))</h2>\n"
        guard !provenance.components.isEmpty else { return html + "<p id=\"provenance\">\(escape(PageText.provenanceNone(language)))</p>\n" }
        func signer(_ event: PassportProvenance.Event) -> String {
            guard let name = event.issuerName else { return "<code>\(escape(event.issuer))</code>" }
            return "<a href=\"/operators/\(escape(percentEncoded(name)))/did.json\" title=\"\(escape(event.issuer))\">\(escape(name))</a>"
        }
        func verdict(_ verdict: PassportProvenance.Verdict) -> String {
            verdict.verified
                ? "<span class=\"check ok\"><span aria-hidden=\"true\">✓</span> \(escape(PageText.verified(language)))</span>"
                : "<span class=\"check failed\"><span aria-hidden=\"true\">✗</span> \(escape(PageText.notVerified(language, verdict.failureCodes.joined(separator: ", "))))</span>"
        }
        func what(_ event: PassportProvenance.Event) -> String {
            [event.bizStep ?? event.eventType, event.disposition].compactMap { $0 }.joined(separator: " · ")
        }
        html += "<ul id=\"provenance\">\n"
        for component in provenance.components {
            html += "<li class=\"component\" data-verified=\"\(component.verdict.verified)\"><p>\(verdict(component.verdict)) "
            guard let event = component.event else {
                let text = component.verdict.failureCodes == ["component_not_found"] ? PageText.componentNotFound : PageText.componentNotEvent
                html += "\(escape(text(language, component.credentialID)))</p></li>\n"
                continue
            }
            let identifiers = component.identifiers.map { "<code>\(escape($0))</code>" }.joined(separator: ", ")
            html += "\(PageText.component(language, escape(what(event)), identifiers, signer(event))), "
            html += "<time datetime=\"\(escape(XSDDateTime.format(event.eventTime)))\">\(escape(language.day(XSDDateTime.format(event.eventTime))))</time></p>\n"
            if !component.events.isEmpty {
                html += "<p>\(escape(PageText.eventsOfComponent(language, component.identifiers.joined(separator: ", "))))</p>\n<ol>\n"
                for other in component.events {
                    let date = XSDDateTime.format(other.eventTime)
                    html += "<li><time datetime=\"\(escape(date))\">\(escape(language.day(date)))</time> \(escape(what(other))), \(signer(other)): \(verdict(other.verdict))</li>\n"
                }
                html += "</ol>\n"
                if component.truncated { html += "<p>\(escape(PageText.moreEvents(language)))</p>\n" }
            }
            html += "</li>\n"
        }
        return html + "</ul>\n"
    }

    /// State of health (solid line) and charge cycles (dashed line, scaled to the most cycles read)
    /// over the accepted readings, oldest left: an inline SVG whose points link to their readings, with
    /// the values as a table for screen readers and print.
    static func healthChart(_ readings: [PassportHistory.Reading], in language: PageLanguage) -> String {
        let (width, height, margin) = (600.0, 200.0, 30.0)
        let step = readings.count > 1 ? (width - 2 * margin) / Double(readings.count - 1) : 0
        let mostCycles = max(1, readings.map(\.cycleCount).max() ?? 1)
        func point(_ index: Int, fraction: Double) -> (x: String, y: String) {
            let x = readings.count > 1 ? margin + Double(index) * step : width / 2
            let y = margin + (1 - fraction) * (height - 2 * margin)
            return (PassportAttributeDisplay.decimal(x, fractionDigits: 1), PassportAttributeDisplay.decimal(y, fractionDigits: 1))
        }
        func point(_ index: Int, _ reading: PassportHistory.Reading) -> (x: String, y: String) {
            point(index, fraction: Double(reading.stateOfHealthPerMille) / 1000)
        }
        let cyclePoints = readings.enumerated().map { point($0.offset, fraction: Double($0.element.cycleCount) / Double(mostCycles)) }
        func percent(_ reading: PassportHistory.Reading) -> String {
            language.decimal(PassportAttributeDisplay.decimal(Double(reading.stateOfHealthPerMille) / 10, fractionDigits: 1))
        }
        let points = readings.enumerated().map { point($0.offset, $0.element) }
        var svg = """
            <h2>\(escape(PageText.stateOfHealth(language)))</h2>
            <figure id="health">
            <svg role="img" aria-labelledby="health-caption" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%">
            <line x1="\(Int(margin))" y1="\(Int(height - margin))" x2="\(Int(width - margin))" y2="\(Int(height - margin))" stroke="#57606a"/>
            <polyline fill="none" stroke="#8250df" stroke-width="2" stroke-dasharray="6 4" points="\(cyclePoints.map { "\($0.x),\($0.y)" }.joined(separator: " "))"/>
            <polyline fill="none" stroke="#0969da" stroke-width="2" points="\(points.map { "\($0.x),\($0.y)" }.joined(separator: " "))"/>

            """
        for (reading, point) in zip(readings, points) {
            let title = PageText.pointTitle(language, percent(reading), String(reading.cycleCount), String(reading.slot))
            svg += """
                <a href="/readings/\(reading.id.hex)"><circle cx="\(point.x)" cy="\(point.y)" r="5" fill="#0969da">\
                <title>\(escape(title))</title></circle></a>

                """
        }
        svg += "</svg>\n<figcaption id=\"health-caption\">\(escape(PageText.chartCaption(language, String(mostCycles))))</figcaption>\n</figure>\n"
        svg += "<table class=\"passport\"><tr><th scope=\"col\">\(escape(PageText.ledgerSlot(language)))</th>"
        svg += "<th scope=\"col\">\(escape(PageText.stateOfHealth(language)))</th><th scope=\"col\">\(escape(PageText.cycles(language)))</th></tr>\n"
        for reading in readings {
            svg += "<tr><td><a href=\"/readings/\(reading.id.hex)\">\(reading.slot)</a></td><td>\(percent(reading)) %</td><td>\(reading.cycleCount)</td></tr>\n"
        }
        return svg + "</table>\n"
    }

    /// A row's value as HTML: the operator that carries the passport by its name, linked to its DID
    /// document; anything else as text.
    static func value(_ row: (label: String, value: String), operatorID: String?, history: PassportHistory?) -> String {
        guard row.value == operatorID, let history else { return escape(row.value) }
        let document = "/operators/\(percentEncoded(history.operatorName))/did.json"
        return "<a href=\"\(escape(document))\" title=\"\(escape(row.value))\">\(escape(history.operatorName))</a>"
    }

    /// The verdict's icon, shown beside its words so that colour is never the only sign.
    static func icon(_ verdict: PassportVerdict) -> String {
        switch verdict {
        case .green: "✓"
        case .amber: "!"
        case .red: "✗"
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

/// The RFC 9264 linkset of a battery: where its verification page, result, bundle and credentials
/// are; and the link a resolver's `linkType` parameter or `Accept` header selects, as GS1 Digital
/// Link resolvers do.
enum PassportLinkset {
    /// UNTP's link types (`untp:dpp`, `untp:dte`).
    static let untpLinkTypes = "https://test.uncefact.org/vocabulary/linkTypes/"
    /// GS1's web vocabulary, where `gs1:` link types live.
    static let gs1Vocabulary = "https://gs1.org/voc/"

    static func linkset(_ result: PassportVerification, resolverBase: String) -> JSONObject {
        ["linkset": [.object(links(result, resolverBase: resolverBase))]]
    }

    static func links(_ result: PassportVerification, resolverBase: String) -> JSONObject {
        let encoded = PassportPage.percentEncoded(result.batteryID)
        var links: JSONObject = [
            "anchor": .string(result.batteryID),
            "\(gs1Vocabulary)pip": [["href": .string("\(resolverBase)/verify/device/\(encoded)"), "type": "text/html"]],
            "\(gs1Vocabulary)recallStatus": [["href": .string("\(resolverBase)/verify/device/\(encoded)"), "type": "application/json"]],
        ]
        if result.operatorID != nil {
            links["describedby"] = [["href": .string("\(resolverBase)/passports/\(encoded)/bundle"), "type": "application/json"]]
            // UNTP's link types for the passport and the EPCIS history (404 until the operator publishes them).
            links["\(untpLinkTypes)dpp"] = [["href": .string("\(resolverBase)/passports/\(encoded)/untp-dpp"), "type": "application/vc+ld+json"]]
            links["\(untpLinkTypes)dte"] = [["href": .string("\(resolverBase)/passports/\(encoded)/untp-dte"), "type": "application/vc+ld+json"]]
        }
        return links
    }

    /// The link type a `linkType` value names: a full IRI, a `gs1:` or `untp:` CURIE, or a
    /// registered relation (`describedby`).
    static func expanded(_ linkType: String) -> String {
        if linkType.hasPrefix("gs1:") { return gs1Vocabulary + linkType.dropFirst(4) }
        if linkType.hasPrefix("untp:") { return untpLinkTypes + linkType.dropFirst(5) }
        return linkType
    }

    /// Where the link of `linkType` points, or `link_type_not_found` naming the types there are.
    static func target(_ linkType: String, in links: JSONObject) throws -> String {
        guard let href = links[expanded(linkType)]?[0]?["href"]?.stringValue else {
            let known = links.keys.filter { $0 != "anchor" }.sorted().joined(separator: ", ")
            throw APIError(.notFound, code: "link_type_not_found", "no link of type \(linkType) for this battery; there are: \(known)")
        }
        return href
    }
}
