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

    static func html(_ result: PassportVerification, scanned: String) -> String {
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
            for row in rows { sections += "<tr><th scope=\"row\">\(escape(row.label))</th><td>\(escape(row.value))</td></tr>\n" }
            sections += "</table>\n"
        }
        var anchorSection = ""
        if let anchor = result.chainAnchor {
            let slot = anchor.slot.map { ", valid from slot \($0)" } ?? ""
            anchorSection = """
                <h2>Anchor</h2>
                <p id="anchor">Root <code>\(escape(anchor.root.hex))</code> is anchored on \(escape(anchor.chain)) in transaction
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
            .green { background: #1a7f37; } .amber { background: #bf8700; } .red { background: #cf222e; }
            .verdict h1 { margin: 0 0 0.5rem; font-size: 2rem; }
            table { border-collapse: collapse; width: 100%; background: #fff; }
            th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
            th { width: 40%; font-weight: 600; }
            h3 { margin: 1.2rem 0 0.4rem; font-size: 1.05rem; }
            td { overflow-wrap: anywhere; }
            code { font-size: 0.85em; }
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
