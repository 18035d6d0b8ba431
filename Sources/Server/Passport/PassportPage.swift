import Credentials
import Encoding
import Foundation
import Passport

/// The page a person sees after scanning a battery: a green, amber or red verdict with its reasons,
/// the public passport attributes, and a link to the offline bundle. Self-contained HTML (no
/// scripts, no external resources), every value escaped.
enum PassportPage {
    /// Which access groups the attributes below are for, and why a role credential opened no more.
    static func accessNote(_ result: PassportVerification) -> String {
        let groups = AccessGroup.allCases.filter(result.accessGroups.contains).map(\.rawValue).joined(separator: ", ")
        let refused = result.accessRefused.map { " The role credential presented was not accepted (\($0.code)): \($0.message)." } ?? ""
        if result.accessGroups == [.public] {
            return "The public attributes. Repairers, recyclers, second-life operators and authorities see more with a role credential."
                + refused
        }
        return "Attributes for: \(groups)." + refused
    }

    static func html(_ result: PassportVerification, scanned: String, history: PassportHistory? = nil) -> String {
        let (title, summary) = headline(result.verdict)
        var reasons = ""
        for problem in result.failures + result.warnings {
            reasons += "<li><code>\(escape(problem.code))</code> \(escape(problem.message))</li>\n"
        }
        if reasons.isEmpty { reasons = "<li>Every check passed.</li>\n" }
        let checked = result.checks.filter { !result.unverified.contains($0) }
        var checks = "<p id=\"checks\">Checked: \(escape(checked.joined(separator: ", ")))."
        if !result.unverified.isEmpty { checks += " Could not be checked against anything trusted: \(escape(result.unverified.joined(separator: ", ")))." }
        checks += "</p>\n"
        var sections = ""
        for (section, rows) in PassportAttributeDisplay.rows(result.visiblePassport) {
            sections += "<h3>\(escape(section.rawValue))</h3>\n<table class=\"passport\">\n"
            for row in rows {
                sections += "<tr><th scope=\"row\">\(escape(row.label))</th><td>\(value(row, operatorID: result.operatorID, history: history))</td></tr>\n"
            }
            sections += "</table>\n"
        }
        let details = result.accessGroups.contains(.legitimateInterest)
        var anchorSection = history.map { historySections($0, details: details) } ?? ""
        if let anchor = result.chainAnchor {
            let slot = anchor.slot.map { ", valid from slot \($0)" } ?? ""
            anchorSection += """
                <h2>On chain</h2>
                <p id="chain-anchor">Root <code>\(escape(anchor.root.hex))</code> is anchored on \(escape(anchor.chain)) in transaction
                <code>\(escape(anchor.transaction.hex))</code> (output \(anchor.outputIndex)\(slot); move \(anchor.sequence) of the
                operator's anchor token). Any \(escape(anchor.chain)) explorer confirms it by that id.</p>

                """
        }
        if let absent = result.nonMembership {
            let anchoring = absent.anchoredIn.map { " anchored in transaction <code>\(escape($0.hex))</code>" } ?? " (not yet anchored)"
            let chain = absent.chain.map { ", as \(escape($0)) holds it" } ?? ""
            anchorSection = """
                <h2>Provably not issued</h2>
                <p id="non-membership">The passport trie of <code>\(escape(absent.operatorID))</code>, whose GS1 company prefix this
                number carries, does not hold it: a Merkle Patricia Forestry proof of absence against its root
                <code>\(escape(absent.root.hex))</code>\(anchoring)\(chain). Anyone can check it with the proof in the JSON form of this page.</p>

                """
        }
        let bundleLink =
            result.operatorID == nil
            ? "" : "<p><a id=\"bundle\" href=\"/passports/\(escape(percentEncoded(result.batteryID)))/bundle\" download=\"passport-bundle.json\">Download the offline bundle</a></p>"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Voltpass</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 0; color: #1b1f23; background: #f6f8fa; }
            main { max-width: 42rem; margin: 0 auto; padding: 1.5rem; }
            .verdict { border-radius: 0.75rem; padding: 1.5rem; color: #fff; }
            .green { background: #1a7f37; } .amber { background: #9a6700; } .red { background: #cf222e; }
            .verdict h1 { margin: 0 0 0.5rem; font-size: 2rem; }
            table { border-collapse: collapse; width: 100%; background: #fff; }
            th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
            th { width: 40%; font-weight: 600; }
            h3 { margin: 1.2rem 0 0.4rem; font-size: 1.05rem; }
            td { overflow-wrap: anywhere; }
            code { font-size: 0.85em; overflow-wrap: anywhere; }
            .id { word-break: break-all; color: #57606a; }
            </style>
            </head>
            <body>
            <main>
            <section id="verdict" class="verdict \(result.verdict.rawValue)" data-verdict="\(result.verdict.rawValue)">
            <h1><span class="icon" aria-hidden="true">\(icon(result.verdict))</span> \(escape(title))</h1>
            <p>\(escape(summary))</p>
            </section>
            <p class="id">\(escape(result.batteryID))</p>
            <h2>Why</h2>
            <ul id="reasons">
            \(reasons)</ul>
            \(checks)
            <h2>Passport</h2>
            <p id="access">\(escape(accessNote(result)))</p>
            <div id="passport">
            \(sections)</div>
            \(anchorSection)\(bundleLink)
            <p class="id">Checked \(escape(XSDDateTime.format(result.verifiedAt))) for the scan “\(escape(String(scanned.prefix(120))))”.</p>
            </main>
            </body>
            </html>

            """
    }

    static func headline(_ verdict: PassportVerdict) -> (String, String) {
        switch verdict {
        case .green: ("Genuine battery", "Its credentials, status and anchored passport all check out.")
        case .amber: ("Genuine, needs attention", "The battery is genuine, but something in its passport needs your attention.")
        case .red: ("Do not accept", "This battery failed verification: it may be counterfeit, recalled or out of service.")
        }
    }

    /// The battery's timeline, its state-of-health chart (for readers who may see it) and where its
    /// passport is anchored.
    static func historySections(_ history: PassportHistory, details: Bool) -> String {
        var html = "<h2>History</h2>\n<p>Passport carried by \(escape(history.operatorName)).</p>\n<ol id=\"timeline\">\n"
        for entry in history.timeline(details: details) {
            html += "<li><time datetime=\"\(escape(entry.date))\">\(escape(String(entry.date.prefix(10))))</time> \(escape(entry.text))</li>\n"
        }
        if let newest = history.readings.last {
            html += "<li>\(history.readings.count) signed BMS reading(s) accepted, the newest dated by ledger slot \(newest.slot)</li>\n"
        }
        html += "</ol>\n"
        if details, !history.readings.isEmpty { html += healthChart(history.readings) }
        if let checkpoint = history.checkpoint {
            html += """
                <h2>Anchor</h2>
                <p id="anchor">The operator's passport trie, root <code>\(escape(checkpoint.root.hex))</code>, was anchored in ledger
                transaction <code>\(escape(checkpoint.transaction.hex))</code> at slot \(checkpoint.slot) (checkpoint \(checkpoint.sequence),
                signed \(escape(XSDDateTime.format(checkpoint.issuedAt)))).</p>

                """
        } else {
            html += "<h2>Anchor</h2>\n<p id=\"anchor\">The operator has not anchored its passport trie yet.</p>\n"
        }
        return html
    }

    /// State of health (line) over the accepted readings, oldest left: an inline SVG whose points link
    /// to their readings, with the values as a table for screen readers and print.
    static func healthChart(_ readings: [PassportHistory.Reading]) -> String {
        let (width, height, margin) = (600.0, 200.0, 30.0)
        let step = readings.count > 1 ? (width - 2 * margin) / Double(readings.count - 1) : 0
        func point(_ index: Int, _ reading: PassportHistory.Reading) -> (x: Double, y: Double) {
            let x = readings.count > 1 ? margin + Double(index) * step : width / 2
            return (x, margin + (1 - Double(reading.stateOfHealthPerMille) / 1000) * (height - 2 * margin))
        }
        let points = readings.enumerated().map { point($0.offset, $0.element) }
        let line = points.map { "\(PassportAttributeDisplay.decimal($0.x, fractionDigits: 1)),\(PassportAttributeDisplay.decimal($0.y, fractionDigits: 1))" }
        var svg = """
            <h2>State of health</h2>
            <figure id="health">
            <svg role="img" aria-labelledby="health-caption" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%">
            <line x1="\(Int(margin))" y1="\(Int(height - margin))" x2="\(Int(width - margin))" y2="\(Int(height - margin))" stroke="#57606a"/>
            <polyline fill="none" stroke="#0969da" stroke-width="2" points="\(line.joined(separator: " "))"/>

            """
        for (reading, point) in zip(readings, points) {
            let value = PassportAttributeDisplay.decimal(Double(reading.stateOfHealthPerMille) / 10, fractionDigits: 1)
            svg += """
                <a href="/readings/\(reading.id.hex)"><circle cx="\(PassportAttributeDisplay.decimal(point.x, fractionDigits: 1))" \
                cy="\(PassportAttributeDisplay.decimal(point.y, fractionDigits: 1))" r="5" fill="#0969da">\
                <title>\(value) % after \(reading.cycleCount) cycles, slot \(reading.slot)</title></circle></a>

                """
        }
        svg += "</svg>\n<figcaption id=\"health-caption\">State of health by signed reading, oldest first.</figcaption>\n</figure>\n"
        svg += "<table class=\"passport\"><tr><th scope=\"col\">Ledger slot</th><th scope=\"col\">State of health</th><th scope=\"col\">Cycles</th></tr>\n"
        for reading in readings {
            let value = PassportAttributeDisplay.decimal(Double(reading.stateOfHealthPerMille) / 10, fractionDigits: 1)
            svg += "<tr><td><a href=\"/readings/\(reading.id.hex)\">\(reading.slot)</a></td><td>\(value) %</td><td>\(reading.cycleCount)</td></tr>\n"
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

/// The RFC 9264 linkset of a battery: where its verification page, result, bundle and credentials are.
enum PassportLinkset {
    static func linkset(_ result: PassportVerification, resolverBase: String) -> JSONObject {
        let encoded = PassportPage.percentEncoded(result.batteryID)
        var links: JSONObject = [
            "anchor": .string(result.batteryID),
            "https://gs1.org/voc/pip": [["href": .string("\(resolverBase)/verify/device/\(encoded)"), "type": "text/html"]],
            "https://gs1.org/voc/recallStatus": [["href": .string("\(resolverBase)/verify/device/\(encoded)"), "type": "application/json"]],
        ]
        if result.operatorID != nil {
            links["describedby"] = [["href": .string("\(resolverBase)/passports/\(encoded)/bundle"), "type": "application/json"]]
        }
        return ["linkset": [.object(links)]]
    }
}
