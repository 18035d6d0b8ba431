import ArgumentParser
import COSE
import Encoding
import Foundation
import Identity
import Readings

/// `voltpass reading`: signed BMS readings (COSE_Sign1).
struct ReadingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reading", abstract: "Work with signed BMS readings (COSE_Sign1).", subcommands: [Verify.self, Submit.self, Incorporate.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a signed reading: signature against the BMS key, payload format, physical ranges.",
            discussion: """
                FILE holds the COSE_Sign1 as binary CBOR or as hex text (- for standard input). The key is a \
                Multikey (--key) or comes from a DID (--did): a DID URL names one verification method; a bare \
                DID tries its assertion methods (a kid in the message that names one of them picks it). \
                Counter, SoH trend and challenge freshness need history and are checked on submission.
                Exit status: 0 verified, 1 not verified, 2 wrong usage.
                """)

        @Argument(help: "The reading file, or - for standard input.")
        var file: String

        @Option(help: "The BMS public key as a Multikey (z6Mk… or zDn…).")
        var key: String?

        @Option(help: "A DID or DID URL whose verification method holds the BMS key.")
        var did: String?

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        @Flag(help: "Fetch did:web:localhost… documents over plain http (local development).")
        var allowHTTPLocalhost = false

        func validate() throws {
            guard (key == nil) != (did == nil) else { throw ValidationError("give exactly one of --key and --did") }
        }

        func run() async throws {
            let bytes = try ReadingFiles.read(file)
            let keys: [PublicKey]
            do {
                keys = try await candidateKeys(for: bytes)
            } catch let error as CodedError {
                throw ValidationError("\(error.code): \(error.message)")
            }
            var failure: (any CodedError)?
            for key in keys {
                do {
                    let signed = try SignedReading.verify(bytes, key: key)
                    report(verified: signed, key: key)
                    return
                } catch let error as CodedError {
                    // Keep the most telling failure: a format or range error beats a wrong key.
                    if failure == nil || (error as? COSEError)?.kind != .signatureInvalid { failure = error }
                }
            }
            let error = failure ?? COSEError(.signatureInvalid, "no usable key")
            if json {
                let output: JSONValue = ["verified": false, "code": .string(error.code), "message": .string(error.message)]
                print(output.serializedString(pretty: true))
            } else {
                print("not verified: \(error.code): \(error.message)")
            }
            throw ExitCode(1)
        }

        private func candidateKeys(for bytes: [UInt8]) async throws -> [PublicKey] {
            if let key { return [try PublicKey(multikey: key)] }
            guard let did else { return [] }
            let resolver = MethodDispatchResolver(web: DIDWebResolver(configuration: .init(allowLoopbackHTTP: allowHTTPLocalhost)))
            if did.contains("#") { return [try await resolver.verificationMethod(did).publicKey()] }
            let document = try await resolver.resolve(did)
            let kid = (try? COSESign1(decoding: bytes))?.keyID.map { String(decoding: $0, as: UTF8.self) }
            let methods = document.verificationMethods.filter {
                document.isAuthorized(methodID: $0.id, for: .assertionMethod, at: Date())
            }
            let named = methods.filter { method in kid.map { method.id == $0 || method.id == did + $0 } ?? false }
            let keys = (named.isEmpty ? methods : named).compactMap { try? $0.publicKey() }
            guard !keys.isEmpty else {
                throw IdentityError(.notFound, "\(did) has no usable assertion method for a reading")
            }
            return keys
        }

        private func report(verified signed: SignedReading, key: PublicKey) {
            if json {
                var output = ReadingFiles.json(signed)
                output["verified"] = true
                output["key"] = .string(key.multikey)
                print(JSONValue.object(output).serializedString(pretty: true))
            } else {
                print("verified: reading \(signed.reading.counter) of \(signed.reading.batteryID)")
                print(ReadingFiles.summary(signed.reading))
            }
        }
    }
}

/// Reading files and how the CLI shows readings.
enum ReadingFiles {
    /// The largest reading file accepted.
    static let maximumSize = 64 * 1024

    /// The bytes of a COSE_Sign1 file (or standard input for "-"): binary CBOR, or hex text.
    static func read(_ path: String) throws -> [UInt8] {
        let data: Data
        do {
            data = path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else { throw ValidationError("\(path) is larger than \(maximumSize) bytes") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty, text.count % 2 == 0, text.allSatisfy(\.isHexDigit), let bytes = try? Hex.decode(text) {
            return bytes
        }
        return Array(data)
    }

    /// The reading as JSON, in the payload's units, with the COSE_Sign1 in hex.
    static func json(_ signed: SignedReading) -> JSONObject {
        let reading = signed.reading
        return [
            "batteryId": .string(reading.batteryID), "challenge": .string(Hex.encode(reading.challenge)),
            "counter": .number(Double(reading.counter)), "state": json(reading.state),
            "algorithm": .string((try? signed.message.algorithm()) == .es256 ? "ES256" : "EdDSA"),
            "cose": .string(Hex.encode(signed.encoded)),
        ]
    }

    /// A battery state as JSON, in the payload's units.
    static func json(_ s: BatteryState) -> JSONValue {
        [
            "stateOfHealthPerMille": .number(Double(s.stateOfHealthPerMille)),
            "stateOfChargePerMille": .number(Double(s.stateOfChargePerMille)), "cycleCount": .number(Double(s.cycleCount)),
            "capacityMilliampereHours": .number(Double(s.capacityMilliampereHours)),
            "nominalCapacityMilliampereHours": .number(Double(s.nominalCapacityMilliampereHours)),
            "voltageMillivolts": .number(Double(s.voltageMillivolts)), "currentMilliamperes": .number(Double(s.currentMilliamperes)),
            "minimumTemperatureCentidegrees": .number(Double(s.minimumTemperatureCentidegrees)),
            "maximumTemperatureCentidegrees": .number(Double(s.maximumTemperatureCentidegrees)),
            "energyThroughputWattHours": .number(Double(s.energyThroughputWattHours)),
        ]
    }

    /// The reading in people's units.
    static func summary(_ reading: Reading) -> String {
        """
          challenge  \(Hex.encode(reading.challenge))
          counter    \(reading.counter)
        \(summary(reading.state))
        """
    }

    /// The state in people's units.
    static func summary(_ s: BatteryState) -> String {
        func fixed(_ value: Int, _ scale: Double, _ digits: Int) -> String {
            String(format: "%.\(digits)f", Double(value) / scale)
        }
        return """
              SoH \(fixed(s.stateOfHealthPerMille, 10, 1)) %  SoC \(fixed(s.stateOfChargePerMille, 10, 1)) %  cycles \(s.cycleCount)
              capacity \(fixed(s.capacityMilliampereHours, 1000, 1)) Ah of \(fixed(s.nominalCapacityMilliampereHours, 1000, 1)) Ah  \
            \(fixed(s.voltageMillivolts, 1000, 2)) V  \(fixed(s.currentMilliamperes, 1000, 2)) A
              temperature \(fixed(s.minimumTemperatureCentidegrees, 100, 2))–\(fixed(s.maximumTemperatureCentidegrees, 100, 2)) °C  \
            throughput \(fixed(s.energyThroughputWattHours, 1000, 1)) kWh
            """
    }
}
