import Credentials
import Crypto
import EPCIS
import Encoding
import Foundation
import Identity
import Passport
import Readings
import Server
import Storage

/// The demo of `voltpass serve --demo`: a realistic supply chain seeded through the passport
/// service, so that a fresh instance has something to scan.
///
/// Three economic operators are registered: a cell maker, a pack maker and an integrator.
/// - The cell maker commissions its cell lots (lot-level LGTIN quantities), ships them to the pack
///   maker and, later, flags one lot as recalled; every event is captured as a VSC event credential
///   signed by the cell maker.
/// - The pack maker receives the lots, assembles packs in batches (one TransformationEvent per batch:
///   a cell lot in, the batch's packs out) and provisions each batch at end-of-line: keys generated
///   as the packs' secure elements would, each pack's BOM naming the commissioning credential of its
///   cell lot, the even batches with the integrator as first owner. It ships those to the integrator,
///   who captures their receipt; a few are sold on (ownership hand-offs).
/// - The pack lot built from the recalled cell lot is recalled, one pack is recycled, and every
///   operator's trie root is anchored.
///
/// The scenario's identifiers and URLs (genuine, recalled, recycled and counterfeit plates, a cloned
/// token, a bundle, a trie root, …) are kept in `<data>/demo/demo.json`. Seeding is idempotent: on a
/// data directory that holds the demo already (operator `packmaker` exists) nothing is written and
/// the stored record is returned.
public struct DemoScenario: Sendable {
    public static let defaultPackCount = 1_000
    /// The most packs one end-of-line batch provisions.
    public static let maximumBatchSize = 100
    /// Cells in one pack (a 16S LFP pack).
    static let cellsPerPack = 16

    let passports: PassportService
    let readings: ReadingService
    /// The instance's data directory; the demo keeps its record and device key files in `demo/`.
    public let dataDirectory: URL
    /// Packs the pack maker provisions (6 to 10,000).
    public let packCount: Int

    /// The demo on `server`'s passport and reading services and its data directory.
    public init(server: VoltpassServer, packCount: Int = defaultPackCount) {
        self.passports = server.passports
        self.readings = server.readings
        self.dataDirectory = server.configuration.dataDirectory
        self.packCount = packCount
    }

    /// `<data>/demo`: the demo record and the secure elements of a few packs.
    public var directory: URL { dataDirectory.appendingPathComponent("demo", isDirectory: true) }
    /// `<data>/demo/demo.json`: what the demo seeded and the URLs to open.
    public var recordURL: URL { directory.appendingPathComponent("demo.json") }

    /// Seeds the demo, or returns the stored record when the data directory holds it already
    /// (``DemoReport/seeded`` tells which). `demo_incomplete` when the demo's operators exist but its
    /// record does not (another registration of these names, or an interrupted seeding).
    public func run() async throws -> DemoReport {
        guard (6...10_000).contains(packCount) else {
            throw PassportError("invalid_demo", "the demo provisions 6 to 10,000 packs, not \(packCount)")
        }
        if FileManager.default.fileExists(atPath: recordURL.path) { return try storedReport() }
        let start = ContinuousClock.now
        let packMaker: OperatorRecord
        do {
            packMaker = try await passports.registerOperator(
                name: "packmaker", gln: Parties.packMaker.gln, companyPrefixes: [Parties.packMaker.companyPrefix])
        } catch let error as PassportError where error.code == "operator_exists" {
            return try storedReport()
        }
        let cellMaker = try await passports.registerOperator(
            name: "cellmaker", gln: Parties.cellMaker.gln, companyPrefixes: [Parties.cellMaker.companyPrefix])
        let integrator = try await passports.registerOperator(
            name: "integrator", gln: Parties.integrator.gln, companyPrefixes: [Parties.integrator.companyPrefix])
        var report = try await seed(cellMaker: cellMaker, packMaker: packMaker, integrator: integrator)
        let elapsed = ContinuousClock.now - start
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data(JSONValue.object(report.json).serialized(pretty: true)).write(to: recordURL, options: .atomic)
        return report
    }

    /// The record of an earlier seeding.
    private func storedReport() throws -> DemoReport {
        guard let data = try? Data(contentsOf: recordURL) else {
            throw PassportError(
                "demo_incomplete",
                "the operator 'packmaker' is registered but \(recordURL.path) is missing: this data directory holds no complete demo; "
                    + "start with another --data directory")
        }
        var report = try DemoReport(json: try JSONValue(parsing: Array(data)))
        report.seeded = false
        // Started under another public host: the same paths, here.
        return report.rebased(to: passports.resolverBase)
    }

    // MARK: - Seeding

    private func seed(cellMaker: OperatorRecord, packMaker: OperatorRecord, integrator: OperatorRecord) async throws -> DemoReport {
        let now = passports.now()
        let day: TimeInterval = 86_400
        let batchSize = min(Self.maximumBatchSize, (packCount + 1) / 2)
        let batches = stride(from: 0, to: packCount, by: batchSize).map { $0..<min($0 + batchSize, packCount) }
        // One cell lot per pack batch, each with the cells of its batch.
        let cellLots = batches.indices.map { CellLot(number: $0 + 1, cells: batches[$0].count * Self.cellsPerPack) }
        let recalledBatch = batches.count - 1

        // The cell maker: its lots commissioned, then shipped to the pack maker.
        let cellEvents = cellLots.enumerated().map { index, lot in
            Self.objectEvent(
                at: now - 30 * day + Double(index) * 3_600, action: "ADD", bizStep: "commissioning", disposition: "active",
                quantities: [lot.quantity], readPoint: Parties.cellMaker.location)
        }
        let shipping = Self.objectEvent(
            at: now - 21 * day, action: "OBSERVE", bizStep: "shipping", disposition: "in_transit",
            quantities: cellLots.map(\.quantity), readPoint: Parties.cellMaker.location,
            from: Parties.cellMaker, to: Parties.packMaker, transaction: "urn:epcglobal:cbv:bt:\(Parties.packMaker.gln):PO-2026-0417")
        let cellCapture = try await capture(Self.document(cellEvents + [shipping], at: now - 21 * day), by: cellMaker)
        let lotCredentials = cellCapture.prefix(cellLots.count).map(\.record.credentialID)

        // The pack maker receives the cells, then assembles and provisions the packs batch by batch.
        _ = try await capture(
            Self.document(
                [
                    Self.objectEvent(
                        at: now - 18 * day, action: "OBSERVE", bizStep: "receiving", disposition: "in_progress",
                        quantities: cellLots.map(\.quantity), readPoint: Parties.packMaker.location,
                        from: Parties.cellMaker, to: Parties.packMaker, transaction: nil)
                ], at: now - 18 * day), by: packMaker)

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var elements: [String: String] = [:]
        var emulators: [BMSEmulator] = []
        var provisioned: [ProvisionedDevice] = []
        for (index, range) in batches.enumerated() {
            let lot = cellLots[index]
            let packLot = String(format: "PL-%04d", index + 1)
            var specs: [DeviceSpec] = []
            for number in range {
                let serial = Self.serial(number)
                let key: PublicKey
                if number < 3 {
                    // A few packs' BMS (secure element and pack) are kept, for readings and `voltpass device respond`.
                    let folder = directory.appendingPathComponent(serial, isDirectory: true)
                    try? FileManager.default.removeItem(at: folder)
                    let bms = try BMSEmulator.create(at: folder, batteryID: GS1DigitalLink.canonicalStem + Self.digitalLinkPath(serial: serial))
                    key = bms.publicKey
                    emulators.append(bms)
                    elements[serial] = folder.appendingPathComponent(BMSEmulator.secureElementFile).path
                } else {
                    key = SoftwareSigner.generate(.ed25519).verificationKey
                }
                specs.append(try Self.pack(
                    serial: serial, lot: packLot, key: key, cellLot: lot, cellCredential: lotCredentials[index],
                    owner: index % 2 == 0 ? integrator.id : nil, manufactured: now))
            }
            let assembly = Self.transformationEvent(
                at: passports.now(), input: lot.quantity(cells: range.count * Self.cellsPerPack),
                outputs: specs.map(PassportService.batteryID), readPoint: Parties.packMaker.location, packLot: packLot)
            _ = try await capture(Self.document([assembly], at: passports.now()), by: packMaker)
            provisioned += try await passports.provision(specs, operator: packMaker.id)
        }

        // The integrator's packs shipped to it and received; a few of them sold on.
        let owned = batches.indices.filter { $0 % 2 == 0 }.flatMap { batches[$0] }.map { provisioned[$0].device.id }
        let shipped = passports.now()
        _ = try await capture(
            Self.document(
                [
                    Self.objectEvent(
                        at: shipped, action: "OBSERVE", bizStep: "shipping", disposition: "in_transit", epcs: owned,
                        readPoint: Parties.packMaker.location, from: Parties.packMaker, to: Parties.integrator,
                        transaction: "urn:epcglobal:cbv:bt:\(Parties.integrator.gln):PO-7731")
                ], at: shipped), by: packMaker)
        let received = passports.now()
        _ = try await capture(
            Self.document(
                [
                    Self.objectEvent(
                        at: received, action: "OBSERVE", bizStep: "receiving", disposition: "in_progress", epcs: owned,
                        readPoint: Parties.integrator.location, from: Parties.packMaker, to: Parties.integrator, transaction: nil)
                ], at: received), by: integrator)
        let recycled = batches[0].upperBound - 1
        let customer = DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey)
        for number in [0, 2, 3] where number < recycled {
            _ = try await passports.transferOwnership(of: provisioned[number].device.id, to: customer)
        }

        // The cell lot of the last batch turns out defective: the cell maker flags it, the pack maker
        // recalls the pack lot built from it.
        let recalledLot = cellLots[recalledBatch]
        let flagged = passports.now()
        _ = try await capture(
            Self.document(
                [
                    Self.objectEvent(
                        at: flagged, action: "OBSERVE", bizStep: "inspecting", disposition: "recalled", quantities: [recalledLot.quantity],
                        readPoint: Parties.cellMaker.location)
                ], at: flagged), by: cellMaker)
        let recall = try await passports.recall(
            operator: packMaker.id, .lot(String(format: "PL-%04d", recalledBatch + 1)),
            reason: "cell lot \(recalledLot.lot): separator defect, risk of internal short circuit")
        // One pack reaches the end of its life.
        try await passports.change(
            provisioned[recycled].device.id, by: .operator(packMaker.id), .recycle, feed: .lifecycle)
        let attempts = try await seedReadings(packMaker: packMaker, emulators: emulators)
        _ = try await passports.anchorAll()

        // What to open.
        let base = passports.resolverBase
        let genuine = provisioned[0]
        let twin = provisioned[1]
        let recalled = provisioned[batches[recalledBatch].lowerBound]
        // Their UNTP forms, which their pages link to: the pack maker's passport and events, and the
        // integrator's receiving of the genuine pack.
        for device in [genuine, recalled, provisioned[recycled]].map(\.device) {
            _ = try await passports.publishProductPassport(for: device)
            _ = try await passports.publishTraceabilityEvents(for: device, by: packMaker.id)
        }
        _ = try await passports.publishTraceabilityEvents(for: genuine.device, by: integrator.id)
        let counterfeitSerial = Self.serial(packCount)
        let token = genuine.plateURL[genuine.plateURL.range(of: "?")!.lowerBound...]
        let bom = genuine.device.bomCredentialID
        return DemoReport(
            seeded: true, packCount: packCount, seconds: 0, resolverBase: base,
            operators: [
                .init(name: cellMaker.name, did: cellMaker.id), .init(name: packMaker.name, did: packMaker.id),
                .init(name: integrator.name, did: integrator.id),
            ],
            genuineSerial: genuine.device.serial, genuinePlateURL: genuine.plateURL,
            recalledSerial: recalled.device.serial, recalledPlateURL: recalled.plateURL, recallID: recall.id,
            recycledSerial: provisioned[recycled].device.serial, recycledPlateURL: provisioned[recycled].plateURL,
            counterfeitSerial: counterfeitSerial, counterfeitURL: base + Self.digitalLinkPath(serial: counterfeitSerial),
            clonedSerial: twin.device.serial, clonedTokenURL: base + Self.digitalLinkPath(serial: twin.device.serial) + token,
            bundleURL: base + "/passports/\(genuine.device.serial)/bundle",
            trieRootURL: base + "/operators/\(Self.pathSegment(packMaker.id))/trie/root",
            bomCredentialID: bom, cellCredentialIDs: Array(lotCredentials), recalledCellLot: recalledLot.lotURN,
            secureElements: elements.sorted { $0.key < $1.key }.map { .init(serial: $0.key, path: $0.value) }, readings: attempts)
    }

    private func capture(_ document: JSONValue, by record: OperatorRecord) async throws -> [IssuedEvent] {
        let member = try await passports.operators.member(record.id)
        return try await EventCapture(
            events: passports.store, operatorKeys: member.keys, statusLists: member.events, cryptosuites: passports.cryptosuites, now: passports.now)
            .capture(document, into: passports.store, at: passports.now())
    }

    // MARK: - The parties and their identifiers

    /// An economic operator's GS1 identity: GLN, company prefix, site and party URIs.
    struct Party {
        let companyPrefix: String
        let gln: String

        init(companyPrefix: String) {
            self.companyPrefix = companyPrefix
            gln = Self.withCheckDigit(companyPrefix + String(repeating: "0", count: 12 - companyPrefix.count))
        }

        /// The site where its events happen (GS1 Digital Link of the GLN, AI 414).
        var location: String { "https://id.gs1.org/414/\(gln)" }
        /// The party (AI 417).
        var party: String { "https://id.gs1.org/417/\(gln)" }

        static func withCheckDigit(_ body: String) -> String { body + String(GS1CheckDigit.compute(body)!) }
    }

    enum Parties {
        static let cellMaker = Party(companyPrefix: "4068194")
        static let packMaker = Party(companyPrefix: "4012345")
        static let integrator = Party(companyPrefix: "4000001")
        /// The cells' GTIN-14 (indicator 0, item reference 22222 of the cell maker).
        static let cellGTIN = Party.withCheckDigit("0" + cellMaker.companyPrefix + "22222")
        /// The packs' GTIN-14 (indicator 0, item reference 33333 of the pack maker).
        static let packGTIN = Party.withCheckDigit("0" + packMaker.companyPrefix + "33333")
    }

    /// A lot of cells, identified at lot level (LGTIN).
    struct CellLot {
        let lot: String
        let cells: Int

        init(number: Int, cells: Int) {
            lot = String(format: "CL-%04d", number)
            self.cells = cells
        }

        /// `urn:epc:class:lgtin:<company prefix>.<indicator and item reference>.<lot>`.
        var lotURN: String { "urn:epc:class:lgtin:\(Parties.cellMaker.companyPrefix).022222.\(lot)" }
        var quantity: JSONValue { quantity(cells: cells) }
        func quantity(cells: Int) -> JSONValue { ["epcClass": .string(lotURN), "quantity": .number(Double(cells))] }
    }

    static func serial(_ index: Int) -> String { String(format: "VP-%05d", index + 1) }

    static func digitalLinkPath(serial: String) -> String { "/01/\(Parties.packGTIN)/21/\(serial)" }

    /// A path segment with everything but unreserved characters percent-encoded (a DID's own `%` too).
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))
            ?? text
    }

    /// One pack as the end-of-line station describes it: a 16S LFP stationary pack of 280 Ah whose
    /// bill of materials is its cells (lot and credential) and its BMS firmware.
    static func pack(
        serial: String, lot: String, key: PublicKey, cellLot: CellLot, cellCredential: String, owner: String?, manufactured: Date
    ) throws -> DeviceSpec {
        let firmwareHash = Array(SHA256.hash(data: Array("voltpass-demo-bms-firmware-1.4.2".utf8)))
        let bom: JSONValue = [
            "cells": [
                ["gtin": .string(Parties.cellGTIN), "lot": .string(cellLot.lot), "quantity": .number(Double(cellsPerPack)),
                 "credential": .string(cellCredential)]
            ],
            "bms": ["firmware": "1.4.2", "sha256": .string(Hex.encode(firmwareHash))],
        ]
        let spec = DeviceSpec(
            gtin: Parties.packGTIN, serial: serial, lot: lot, model: "VP-LFP-280Ah-16S", category: .stationary, chemistry: "LFP",
            ratedCapacityAh: 280, ratedEnergyWh: 14_336, nominalVoltage: 51.2, massKg: 98.5,
            manufacturingDate: String(XSDDateTime.format(manufactured).prefix(10)), publicKey: key, firmwareVersion: "1.4.2",
            firmwareHash: firmwareHash, bomHash: "sha256:" + Hex.encode(Array(SHA256.hash(data: try JCS.canonicalize(bom)))),
            components: [cellCredential], owner: owner, warrantyMonths: 120)
        try spec.validate()
        return spec
    }

    // MARK: - EPCIS documents

    static func document(_ events: [JSONValue], at date: Date) -> JSONValue {
        [
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": .string(XSDDateTime.format(date)),
            "epcisBody": ["eventList": .array(events)],
        ]
    }

    static func objectEvent(
        at date: Date, action: String, bizStep: String, disposition: String, epcs: [String]? = nil, quantities: [JSONValue]? = nil,
        readPoint: String, from source: Party? = nil, to destination: Party? = nil, transaction: String? = nil
    ) -> JSONValue {
        var event: JSONObject = [
            "type": "ObjectEvent",
            "eventTime": .string(XSDDateTime.format(date)),
            "eventTimeZoneOffset": "+00:00",
        ]
        if let epcs { event["epcList"] = .array(epcs.map(JSONValue.string)) }
        if let quantities { event["quantityList"] = .array(quantities) }
        event["action"] = .string(action)
        event["bizStep"] = .string(bizStep)
        event["disposition"] = .string(disposition)
        event["readPoint"] = ["id": .string(readPoint)]
        if let transaction { event["bizTransactionList"] = [["type": "po", "bizTransaction": .string(transaction)]] }
        if let source { event["sourceList"] = [["type": "owning_party", "source": .string(source.party)]] }
        if let destination { event["destinationList"] = [["type": "owning_party", "destination": .string(destination.party)]] }
        return .object(event)
    }

    /// Cells of a lot in, packs out: the assembly of one batch.
    static func transformationEvent(at date: Date, input: JSONValue, outputs: [String], readPoint: String, packLot: String) -> JSONValue {
        [
            "type": "TransformationEvent",
            "eventTime": .string(XSDDateTime.format(date)),
            "eventTimeZoneOffset": "+00:00",
            "inputQuantityList": [input],
            "outputEPCList": .array(outputs.map(JSONValue.string)),
            "transformationID": .string("urn:uuid:" + UUID().uuidString.lowercased()),
            "bizStep": "assembling",
            "disposition": "active",
            "readPoint": ["id": .string(readPoint)],
            "ilmd": ["cbvmda:lotNumber": .string(packLot)],
        ]
    }
}

/// What the demo seeded and the URLs to open; stored as `demo/demo.json` in the data directory.
public struct DemoReport: Sendable {
    public struct Operator: Sendable, Hashable {
        public let name: String
        public let did: String
    }

    public struct SecureElement: Sendable, Hashable {
        public let serial: String
        public let path: String
    }

    /// Whether this run seeded the demo (false: it was there already and this is its stored record).
    public var seeded: Bool
    public var packCount: Int
    /// How long seeding took.
    public var seconds: Double
    /// `http(s)://<public host>`, the start of every URL here.
    public var resolverBase: String
    public var operators: [Operator]
    public var genuineSerial: String
    public var genuinePlateURL: String
    public var recalledSerial: String
    public var recalledPlateURL: String
    public var recallID: String
    public var recycledSerial: String
    public var recycledPlateURL: String
    /// A serial nobody provisioned.
    public var counterfeitSerial: String
    public var counterfeitURL: String
    /// The pack whose Digital Link carries the genuine pack's token.
    public var clonedSerial: String
    public var clonedTokenURL: String
    public var bundleURL: String
    public var trieRootURL: String
    /// The genuine pack's BOM credential.
    public var bomCredentialID: String
    /// The cell maker's commissioning credentials of its cell lots, in lot order.
    public var cellCredentialIDs: [String]
    /// The LGTIN of the recalled cell lot.
    public var recalledCellLot: String
    /// Secure elements of a few packs, for `voltpass device respond`.
    public var secureElements: [SecureElement]
    /// The signed readings the demo submitted, honest and hostile, with what became of each.
    public var readings: [ReadingAttempt]
    /// A warning to show with the report (not stored).
    public var note: String?

    /// The report with every URL under `base` instead of ``resolverBase`` (the paths stay).
    func rebased(to base: String) -> DemoReport {
        guard base != resolverBase else { return self }
        var report = self
        let old = resolverBase
        report.note =
            "seeded under \(old): its credentials, status lists and DIDs name that host, so checks here fail with "
            + "status_unreachable; serve under that host again (--port, --public-host) or use another --data directory"
        func move(_ url: String) -> String { url.hasPrefix(old) ? base + url.dropFirst(old.count) : url }
        report.resolverBase = base
        report.genuinePlateURL = move(genuinePlateURL)
        report.recalledPlateURL = move(recalledPlateURL)
        report.recycledPlateURL = move(recycledPlateURL)
        report.counterfeitURL = move(counterfeitURL)
        report.clonedTokenURL = move(clonedTokenURL)
        report.bundleURL = move(bundleURL)
        report.trieRootURL = move(trieRootURL)
        return report
    }

    /// The URLs to open, labelled, in the order they are printed.
    public var links: [(label: String, url: String)] {
        [
            ("genuine pack (plate URL)", genuinePlateURL),
            ("recalled pack", recalledPlateURL),
            ("recycled pack", recycledPlateURL),
            ("counterfeit: a serial nobody provisioned", counterfeitURL),
            ("cloned token: \(genuineSerial)'s token on \(clonedSerial)", clonedTokenURL),
            ("offline bundle of \(genuineSerial)", bundleURL),
            ("pack maker's trie root", trieRootURL),
            ("BOM credential of \(genuineSerial)", "\(resolverBase)/credentials/\(bomCredentialID)"),
            ("recall reach of cell lot", "\(resolverBase)/epcis/trace?identifier=\(recalledCellLot)&direction=downstream"),
        ]
    }

    /// The report for people: operators, URLs and how to try a pack's secure element.
    public var text: String { text(voltpass: "voltpass") }

    /// The report for people, with `voltpass` as the command that runs the CLI.
    public func text(voltpass: String) -> String {
        var lines: [String] = []
        if seeded {
            lines.append("Demo seeded: \(packCount) packs in \(String(format: "%.1f", seconds)) s")
        } else {
            lines.append("Demo already in this data directory (\(packCount) packs), not seeded again")
        }
        if let note { lines.append("  note: \(note)") }
        lines.append("  operators:")
        for item in operators { lines.append("    " + item.name.padding(toLength: 12, withPad: " ", startingAt: 0) + item.did) }
        if let first = operators.first, let url = try? DIDWeb.documentURL(for: first.did) {
            // did:web is resolved over HTTPS only; this process speaks plain http.
            lines.append("  did:web: other verifiers fetch \(url.absoluteString) over HTTPS; put TLS in front, e.g.")
            lines.append("    caddy reverse-proxy --from passports.example.com --to \(resolverBase.replacingOccurrences(of: "http://", with: ""))")
            lines.append("    and start with --public-host passports.example.com (the voltpass CLI reaches localhost with --allow-http-localhost)")
        }
        lines.append("  open (a browser gets the passport page; curl -H 'Accept: application/json' the result):")
        for link in links {
            lines.append("    \(link.label):")
            lines.append("      \(link.url)")
        }
        if !readings.isEmpty {
            lines.append("  signed readings (commitment on the ledger, BMS tap, submission, the pack maker's batch):")
            for attempt in readings {
                lines.append("    " + attempt.label.padding(toLength: 58, withPad: " ", startingAt: 0) + attempt.outcome)
            }
        }
        if let element = secureElements.first {
            let packFolder = URL(fileURLWithPath: element.path).deletingLastPathComponent()
            let demoFolder = packFolder.deletingLastPathComponent().path
            let serials = secureElements.map(\.serial).joined(separator: ", ")
            lines.append("  more readings: the BMS of \(serials) are in \(demoFolder)/<serial>, the reader's key in \(demoFolder)/\(DemoScenario.readerKeyFile):")
            lines.append("    \(voltpass) reading submit --server \(resolverBase) --key \(demoFolder)/\(DemoScenario.readerKeyFile) --bms \(packFolder.path)")
            lines.append("  field diagnostics: only a pack's own secure element answers:")
            lines.append("    C=$(curl -s -X POST \(resolverBase)/diagnostics/challenges | sed 's/.*\"challenge\":\"\\([^\"]*\\)\".*/\\1/')")
            lines.append("    R=$(\(voltpass) device respond --element \(element.path) --challenge $C)")
            lines.append(
                "    curl -s -X POST -d \"{\\\"device\\\":\\\"\(element.serial)\\\",\\\"challenge\\\":\\\"$C\\\",\\\"response\\\":\\\"$R\\\"}\" "
                    + "\(resolverBase)/diagnostics/responses")
        }
        return lines.joined(separator: "\n")
    }

    public var json: JSONObject {
        [
            "version": 1,
            "packCount": .number(Double(packCount)),
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "resolverBase": .string(resolverBase),
            "operators": .array(operators.map { ["name": .string($0.name), "did": .string($0.did)] }),
            "genuine": ["serial": .string(genuineSerial), "plateUrl": .string(genuinePlateURL)],
            "recalled": ["serial": .string(recalledSerial), "plateUrl": .string(recalledPlateURL), "recall": .string(recallID)],
            "recycled": ["serial": .string(recycledSerial), "plateUrl": .string(recycledPlateURL)],
            "counterfeit": ["serial": .string(counterfeitSerial), "url": .string(counterfeitURL)],
            "cloned": ["serial": .string(clonedSerial), "url": .string(clonedTokenURL)],
            "bundleUrl": .string(bundleURL),
            "trieRootUrl": .string(trieRootURL),
            "bomCredential": .string(bomCredentialID),
            "cellCredentials": .array(cellCredentialIDs.map(JSONValue.string)),
            "recalledCellLot": .string(recalledCellLot),
            "secureElements": .array(secureElements.map { ["serial": .string($0.serial), "path": .string($0.path)] }),
            "readings": .array(readings.map { ["label": .string($0.label), "outcome": .string($0.outcome)] }),
            "links": .array(links.map { ["label": .string($0.label), "url": .string($0.url)] }),
        ]
    }

    init(
        seeded: Bool, packCount: Int, seconds: Double, resolverBase: String, operators: [Operator], genuineSerial: String,
        genuinePlateURL: String, recalledSerial: String, recalledPlateURL: String, recallID: String, recycledSerial: String,
        recycledPlateURL: String, counterfeitSerial: String, counterfeitURL: String, clonedSerial: String, clonedTokenURL: String,
        bundleURL: String, trieRootURL: String, bomCredentialID: String, cellCredentialIDs: [String], recalledCellLot: String,
        secureElements: [SecureElement], readings: [ReadingAttempt]
    ) {
        self.seeded = seeded
        self.packCount = packCount
        self.seconds = seconds
        self.resolverBase = resolverBase
        self.operators = operators
        self.genuineSerial = genuineSerial
        self.genuinePlateURL = genuinePlateURL
        self.recalledSerial = recalledSerial
        self.recalledPlateURL = recalledPlateURL
        self.recallID = recallID
        self.recycledSerial = recycledSerial
        self.recycledPlateURL = recycledPlateURL
        self.counterfeitSerial = counterfeitSerial
        self.counterfeitURL = counterfeitURL
        self.clonedSerial = clonedSerial
        self.clonedTokenURL = clonedTokenURL
        self.bundleURL = bundleURL
        self.trieRootURL = trieRootURL
        self.bomCredentialID = bomCredentialID
        self.cellCredentialIDs = cellCredentialIDs
        self.recalledCellLot = recalledCellLot
        self.secureElements = secureElements
        self.readings = readings
    }

    /// Reads a stored record (`demo_incomplete` naming the member when it is not one).
    public init(json: JSONValue) throws {
        func string(_ path: String...) throws -> String {
            var value: JSONValue? = json
            for key in path { value = value?[key] }
            guard let text = value?.stringValue else {
                throw PassportError("demo_incomplete", "the demo record has no /\(path.joined(separator: "/"))")
            }
            return text
        }
        func array(_ key: String) throws -> [JSONValue] {
            guard let items = json[key]?.arrayValue else { throw PassportError("demo_incomplete", "the demo record has no /\(key)") }
            return items
        }
        seeded = false
        packCount = Int(json["packCount"]?.doubleValue ?? 0)
        seconds = json["seconds"]?.doubleValue ?? 0
        resolverBase = try string("resolverBase")
        operators = try array("operators").map { item in
            guard let name = item["name"]?.stringValue, let did = item["did"]?.stringValue else {
                throw PassportError("demo_incomplete", "an operator of the demo record has no name or DID")
            }
            return Operator(name: name, did: did)
        }
        genuineSerial = try string("genuine", "serial")
        genuinePlateURL = try string("genuine", "plateUrl")
        recalledSerial = try string("recalled", "serial")
        recalledPlateURL = try string("recalled", "plateUrl")
        recallID = try string("recalled", "recall")
        recycledSerial = try string("recycled", "serial")
        recycledPlateURL = try string("recycled", "plateUrl")
        counterfeitSerial = try string("counterfeit", "serial")
        counterfeitURL = try string("counterfeit", "url")
        clonedSerial = try string("cloned", "serial")
        clonedTokenURL = try string("cloned", "url")
        bundleURL = try string("bundleUrl")
        trieRootURL = try string("trieRootUrl")
        bomCredentialID = try string("bomCredential")
        cellCredentialIDs = try array("cellCredentials").compactMap(\.stringValue)
        recalledCellLot = try string("recalledCellLot")
        secureElements = try array("secureElements").compactMap { item in
            guard let serial = item["serial"]?.stringValue, let path = item["path"]?.stringValue else { return nil }
            return SecureElement(serial: serial, path: path)
        }
        readings = (json["readings"]?.arrayValue ?? []).compactMap { item in
            guard let label = item["label"]?.stringValue, let outcome = item["outcome"]?.stringValue else { return nil }
            return ReadingAttempt(label: label, outcome: outcome)
        }
    }
}
