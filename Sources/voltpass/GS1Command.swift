import ArgumentParser
import EPCIS
import Encoding
import Foundation

/// `voltpass gs1`: GS1 identifiers.
struct GS1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gs1", abstract: "Work with GS1 identifiers (EPC URNs and GS1 Digital Link URIs).",
        subcommands: [Convert.self])

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert an EPC URN to a GS1 Digital Link URI or back; show the key and its check digit.",
            discussion: """
                An EPC URN converts without configuration. A Digital Link needs the GS1 Company Prefix \
                length to become an EPC URN (it is not recoverable from the key): pass --company-prefix-length.
                Exit status: 0 converted, 1 invalid identifier (the error code says why), 2 usage.
                """)

        @Argument(help: "An EPC URN (urn:epc:id:…, urn:epc:class:lgtin:…, urn:epc:idpat:…) or a GS1 Digital Link URI.")
        var identifier: String

        @Option(help: "The GS1 Company Prefix length (6-12 digits), needed to write an EPC URN.")
        var companyPrefixLength: Int?

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        func validate() throws {
            if let companyPrefixLength, !(6...12).contains(companyPrefixLength) {
                throw ValidationError("--company-prefix-length must be 6 to 12")
            }
        }

        func run() throws {
            let isURN = identifier.hasPrefix("urn:")
            do {
                let parsed = try GS1Identifier(parsing: identifier)
                let urn: String
                if isURN {
                    urn = identifier
                } else if let companyPrefixLength {
                    urn = try parsed.epcURN(companyPrefixLength: companyPrefixLength)
                } else {
                    throw GS1Error(
                        .companyPrefixUnknown,
                        "a Digital Link becomes an EPC URN only with the GS1 Company Prefix length: pass --company-prefix-length")
                }
                print(report(parsed, epcURN: urn, form: isURN ? "epcURN" : "digitalLink"))
            } catch let error as GS1Error {
                if json {
                    let failure: JSONValue = [
                        "input": .string(identifier), "valid": false,
                        "error": ["code": .string(error.code), "message": .string(error.message)],
                    ]
                    print(failure.serializedString(pretty: true))
                } else {
                    FileHandle.standardError.write(Data("error: \(error.code): \(error.message)\n".utf8))
                }
                throw ExitCode(1)
            }
        }

        private func report(_ parsed: GS1Identifier, epcURN: String, form: String) -> String {
            let digitalLink = GS1DigitalLink(identifier: parsed).uri
            let elements = [parsed.key] + parsed.qualifiers
            if json {
                func describe(_ element: GS1Element) -> JSONValue {
                    let ai = GS1ApplicationIdentifier.named(element.ai)
                    var object: JSONObject = [
                        "ai": .string(element.ai), "title": .string(ai?.title ?? ""), "value": .string(element.value),
                    ]
                    if let check = ai?.checkDigit(of: element.value) {
                        object["checkDigit"] = .string(String(check))
                        object["checkDigitValid"] = true
                    }
                    return .object(object)
                }
                let document: JSONValue = [
                    "input": .string(identifier), "valid": true, "form": .string(form),
                    "key": describe(parsed.key), "qualifiers": .array(parsed.qualifiers.map(describe)),
                    "elementString": .string(parsed.description), "digitalLink": .string(digitalLink),
                    "epcURN": .string(epcURN),
                ]
                return document.serializedString(pretty: true)
            }
            var lines = ["input:          \(identifier)"]
            for (index, element) in elements.enumerated() {
                let ai = GS1ApplicationIdentifier.named(element.ai)
                var line = "\(index == 0 ? "key:      " : "qualifier:")      (\(element.ai)) \(ai?.title ?? "") \(element.value)"
                if let check = ai?.checkDigit(of: element.value) { line += " (check digit \(check) valid)" }
                lines.append(line)
            }
            lines.append("element string: \(parsed.description)")
            lines.append("digital link:   \(digitalLink)")
            lines.append("epc urn:        \(epcURN)")
            return lines.joined(separator: "\n")
        }
    }
}
