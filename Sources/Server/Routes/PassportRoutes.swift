import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NDEF
import Passport
import QRCode
import Storage

/// The battery passport endpoints: operators (admin), provisioning and lifecycle (issuer), and the
/// public side: DID documents and status lists of operators, one-scan verification with content
/// negotiation, bundles, plates and batch verification.
struct PassportRoutes {
    let service: PassportService
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    /// The per-client limit on public writes.
    let publicWrites: RateLimitMiddleware
    let maxBodySize: Int
    /// How the page verifies the credentials of a battery's components.
    let verification: ServiceVerification
    /// Role credentials for the restricted access groups, when an access registry is configured.
    let access: PassportAccessRoutes?

    func add(to router: Router<VoltpassRequestContext>) {
        addPublic(to: router)
        addOperatorAdministration(to: router)
        addIssuerRoutes(to: router)
    }

    private func addPublic(to router: Router<VoltpassRequestContext>) {
        // GET /operators/{name}/did.json: a registered operator's did:web document.
        router.get("operators/:operator/did.json") { _, context -> Response in
            let member = try await service.operators.member(named: try context.parameters.require("operator"))
            return .json(.object(try await member.keys.document().json), mediaType: "application/did+json")
        }
        // GET /operators/{name}/status-lists/{id}: the operator's signed status list credential.
        router.get("operators/:operator/status-lists/:id") { _, context -> Response in
            let member = try await service.operators.member(named: try context.parameters.require("operator"))
            let credential = try await member.statusLists.publishedCredential(listID: try context.parameters.require("id"))
            return .json(.object(credential), mediaType: "application/vc+ld+json")
        }
        // GET /operators/{name}/anchors: the operator's trie roots anchored on the ledger, newest first.
        router.get("operators/:operator/anchors") { _, context -> Response in
            let member = try await service.operators.member(named: try context.parameters.require("operator"))
            let anchors = try await service.ledger.anchorHistory(operator: member.record.id, limit: 1_000)
            return .json([
                "operator": .string(member.record.id),
                "anchors": .array(anchors.map { anchor in
                    .object([
                        "root": .string(anchor.root.hex), "transaction": .string(anchor.transaction.hex), "slot": .number(Double(anchor.slot)),
                    ])
                }),
            ])
        }
        // GET /verify/device/{serial | Digital Link | token} and the Digital Link paths themselves.
        router.get("verify/device/:identifier") { request, context -> Response in
            let identifier = try context.parameters.require("identifier")
            let scanned = identifier.removingPercentEncoding ?? identifier
            return try await verificationResponse(scanned, request: request, context: context)
        }
        router.get("01/:gtin/21/:serial") { request, context -> Response in
            let path = "/01/\(try context.parameters.require("gtin"))/21/\(try context.parameters.require("serial"))"
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return try await verificationResponse(path + query, request: request, context: context)
        }
        // POST with a role credential's presentation in the body: the same answers, with the access
        // groups it opens (rate limited per client: each presentation uses up a challenge).
        let presented = router.group().add(middleware: publicWrites)
        presented.post("verify/device/:identifier") { request, context -> Response in
            let identifier = try context.parameters.require("identifier")
            return try await verificationResponse(identifier.removingPercentEncoding ?? identifier, request: request, context: context, presenting: true)
        }
        presented.post("01/:gtin/21/:serial") { request, context -> Response in
            let path = "/01/\(try context.parameters.require("gtin"))/21/\(try context.parameters.require("serial"))"
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return try await verificationResponse(path + query, request: request, context: context, presenting: true)
        }
        // POST /verify/batch {items: [serial | Digital Link | token, …]}: one result per item.
        router.post("verify/batch") { request, _ -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let items = try body.strings("items")
            guard (1...1_000).contains(items.count) else {
                throw APIError(.badRequest, code: "invalid_request", "/items must list 1 to 1,000 serials, links or tokens")
            }
            var results: [JSONValue] = []
            var counts: [String: Int] = ["green": 0, "amber": 0, "red": 0]
            for item in items {
                let result: PassportVerification
                do {
                    result = try await service.verify(item)
                } catch let error as PassportError {
                    result = .unknown(item, code: error.code, message: error.message, at: service.now())
                } catch let error as AmbiguousIdentifier {
                    result = .unknown(item, code: error.code, message: error.message, at: service.now())
                }
                VoltpassMetrics.record(result)
                counts[result.verdict.rawValue, default: 0] += 1
                var json = result.json
                json["item"] = .string(item)
                results.append(.object(json))
            }
            return .json([
                "total": .number(Double(items.count)),
                "green": .number(Double(counts["green"]!)), "amber": .number(Double(counts["amber"]!)),
                "red": .number(Double(counts["red"]!)),
                "results": .array(results),
            ])
        }
        // Public writes, rate limited per client.
        let limited = router.group().add(middleware: publicWrites)
        // POST /diagnostics/challenges: a single-use challenge for a device to sign (field diagnostics).
        limited.post("diagnostics/challenges") { _, _ -> Response in
            .json(["challenge": .string(try await service.diagnostics.issue())], status: .created)
        }
        // POST /diagnostics/responses {device, challenge, response}: whether the device's secure element answered.
        limited.post("diagnostics/responses") { request, _ -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let identifier = try ScannedIdentifier(try body.requiredString("device"))
            if case .serial = identifier.kind {
                throw PassportError(
                    "full_identifier_required", "field diagnostics need the battery's full identifier (its Digital Link), not a bare serial")
            }
            let challenge = try body.requiredString("challenge")
            guard let response = try? Base64URL.decode(try body.requiredString("response")) else {
                throw RequestBody.invalid("/response", "must be the COSE_Sign1 answer in base64url")
            }
            guard let device = try await service.device(scanned: identifier) else {
                throw PassportError.deviceNotFound(try body.requiredString("device"))
            }
            guard try await service.diagnostics.consume(challenge), let challengeBytes = try? Base64URL.decode(challenge) else {
                throw APIError(.badRequest, code: "challenge_invalid", "the challenge was not issued here, was used or has expired")
            }
            let key = try await service.currentBMSKey(of: device)
            let problem = FieldDiagnostics.check(response, challenge: challengeBytes, key: key)
            return .json([
                "batteryId": .string(device.id), "genuine": .bool(problem == nil),
                "failures": .array(problem.map { [$0.json] } ?? []),
            ])
        }
        // GET /passports/{id}: the device, its leaf and recent status feed; the status and what each
        // feed entry changed (new owners among it) only for a token acting for the operator.
        router.get("passports/:id") { request, context -> Response in
            let requester: Requester
            switch try await self.requester(request, context: context, presenting: false) {
            case .refused(let response): return response
            case .known(let known): requester = known
            }
            let device = try await device(context)
            let leaf = try await service.leaf(of: device)
            let feed = try await service.store.statusFeed(device: device.id, limit: 50)
            let groups = requester.groups(operator: device.operatorID)
            let readsDetail = groups.contains(.legitimateInterest)
            var passport: JSONObject = [
                "batteryId": .string(device.id), "operator": .string(device.operatorID), "did": .string(device.did),
                "gtin": .string(device.gtin), "serial": .string(device.serial), "model": .string(device.model),
                "lot": device.lot.map(JSONValue.string) ?? .null, "leaf": .string(Hex.encode(leaf.cbor())),
                "accessGroups": .array(AccessGroup.allCases.filter(groups.contains).map { .string($0.rawValue) }),
                "feed": .array(feed.map { entry in
                    var item: JSONObject = ["kind": .string(entry.kind.rawValue), "recordedAt": .string(XSDDateTime.format(entry.recordedAt))]
                    if readsDetail { item["detail"] = (try? JSONValue(parsing: entry.detail)) ?? .null }
                    return .object(item)
                }),
            ]
            if PassportAttributeAccess.readable("status", by: groups) { passport["status"] = .string(leaf.status.description) }
            return .json(.object(passport))
        }
        // GET /passports/{id}/untp-dpp: the newest UNTP Digital Product Passport the operator published.
        router.get("passports/:id/untp-dpp") { _, context -> Response in
            .json(.object(try await service.productPassport(for: try await device(context)).json), mediaType: "application/vc+ld+json")
        }
        // GET /passports/{id}/untp-dte?issuer=…: the newest UNTP Digital Traceability Event credential an
        // operator (the battery's by default; a DID or a name) published of the battery's EPCIS history.
        router.get("passports/:id/untp-dte") { request, context -> Response in
            let device = try await device(context)
            let issuer = try await operatorID(request.uri.queryParameters.get("issuer"), or: device.operatorID)
            let credential = try await service.traceabilityEvents(for: device, issuer: issuer)
            return .json(.object(credential.json), mediaType: "application/vc+ld+json")
        }
        // GET /passports/{id}/bundle: the offline verification bundle; without the Ownership
        // credentials unless the bearer token acts for the operator. POST with a role credential's
        // presentation (as on /verify/device/{id}) for the groups the role opens.
        router.get("passports/:id/bundle") { request, context -> Response in
            try await bundleResponse(request: request, context: context, presenting: false)
        }
        router.post("passports/:id/bundle") { request, context -> Response in
            try await bundleResponse(request: request, context: context, presenting: true)
        }
    }

    private func addOperatorAdministration(to router: Router<VoltpassRequestContext>) {
        // POST /operators {name, gln?, companyPrefixes: [...]}: registers an economic operator and the
        // GS1 company prefixes it owns (`companyPrefix` names a single one).
        router.group().add(middleware: authenticator.require(.admin))
            .post("operators") { request, context -> Response in
                let json = try await request.jsonBody(limit: maxBodySize)
                let body = try RequestBody(json)
                return try await idempotency.runThenRecord(request, context: context, body: json, status: .created) {
                    var prefixes = try body.strings("companyPrefixes")
                    if let single = try body.string("companyPrefix") { prefixes.insert(single, at: 0) }
                    let record = try await service.operators.register(
                        name: try body.requiredString("name"), gln: try body.string("gln"), companyPrefixes: prefixes)
                    return Self.operatorJSON(record)
                }
            }
    }

    private func addIssuerRoutes(to router: Router<VoltpassRequestContext>) {
        let issuer = router.group().add(middleware: authenticator.require(.issuer))
        // POST /manufacturing/device/issue {operator, device | devices: [...]}
        issuer.post("manufacturing/device/issue") { request, context -> Response in
            let json = try await request.jsonBody(limit: 16 * maxBodySize)
            let body = try RequestBody(json)
            let member = try await service.operators.member(nameOrDID: try body.requiredString("operator"))
            try context.authorize(operator: member.record.id)
            let today = DeviceSpec.today(service.now())
            var specs: [DeviceSpec] = []
            if let one = body.object["device"] {
                guard let object = one.objectValue else { throw RequestBody.invalid("/device", "must be an object") }
                specs.append(try DeviceSpec(json: object, path: "/device", today: today))
            } else if let many = body.object["devices"]?.arrayValue {
                for (index, item) in many.enumerated() {
                    guard let object = item.objectValue else { throw RequestBody.invalid("/devices/\(index)", "must be an object") }
                    specs.append(try DeviceSpec(json: object, path: "/devices/\(index)", today: today))
                }
            } else {
                throw RequestBody.invalid("/device", "or /devices is required")
            }
            return try await idempotency.run(request, context: context, body: json, status: .created, json: Self.devicesJSON) {
                try await service.provision(specs, operator: member.record.id, idempotency: $0)
            }
        }
        // POST /passports/{id}/disclosure: 201 {verifiableCredential}, the battery's passport attributes as an
        // SD-JWT (vc+sd-jwt) the operator signs, for a holder to disclose from per reader (operator's tokens).
        issuer.post("passports/:id/disclosure") { _, context -> Response in
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            let disclosure = try await service.passportDisclosure(for: device)
            return .json(["verifiableCredential": .object(disclosure.envelopedCredential)], status: .created)
        }
        // POST /passports/{id}/untp-dpp: the operator signs the battery's public passport as a UNTP
        // Digital Product Passport, which GET then serves to anyone.
        issuer.post("passports/:id/untp-dpp") { _, context -> Response in
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            let credential = try await service.publishProductPassport(for: device)
            return .json(.object(credential.json), status: .created, mediaType: "application/vc+ld+json")
        }
        // POST /passports/{id}/untp-dte?operator=…: the operator (the battery's by default) signs the EPCIS
        // events it signed about the battery as a UNTP Digital Traceability Event credential, which GET
        // then serves to anyone.
        issuer.post("passports/:id/untp-dte") { request, context -> Response in
            let device = try await device(context)
            let operatorID = try await operatorID(request.uri.queryParameters.get("operator"), or: device.operatorID)
            try context.authorize(operator: operatorID)
            let credential = try await service.publishTraceabilityEvents(for: device, by: operatorID)
            return .json(.object(credential.json), status: .created, mediaType: "application/vc+ld+json")
        }
        // GET /passports/{id}/plate.svg | plate.png: the QR code of a plate URL to print, with a new
        // token signed by the operator each time (so only for the operator's tokens).
        issuer.get("passports/:id/plate.svg") { _, context -> Response in
            let code = try QRCode(bytes: Array(try await plateURL(context).utf8))
            return .bytes(Array(try code.svg().utf8), headers: [.contentType: "image/svg+xml"])
        }
        issuer.get("passports/:id/plate.png") { _, context -> Response in
            let code = try QRCode(bytes: Array(try await plateURL(context).utf8))
            return .bytes(try code.png(), headers: [.contentType: "image/png"])
        }
        // GET /passports/{id}/plate.ndef: the NFC plate, an NDEF message of one URI record of a plate
        // URL (as NFC writer apps import it; `?memory=ntag` for a Type 2 tag's data area instead).
        issuer.get("passports/:id/plate.ndef") { request, context -> Response in
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            let record = NDEFURIRecord(uri: try await service.plateURL(for: device))
            let tagMemory = request.uri.queryParameters.get("memory") == "ntag"
            var headers: HTTPFields = [
                .contentType: "application/octet-stream",
                .contentDisposition: "attachment; filename=\"\(device.serial.filter { $0.isLetter || $0.isNumber || "-_".contains($0) }).ndef\"",
            ]
            if let tag = record.smallestNTAG { headers[HTTPField.Name("Voltpass-Smallest-Tag")!] = tag }
            return .bytes(tagMemory ? record.type2TagData : record.message, headers: headers)
        }
        // GET /passports/{id}/label.svg: the printable label, the plate's QR code with GTIN, serial and model under it.
        issuer.get("passports/:id/label.svg") { _, context -> Response in
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            let svg = try PlateLabel.svg(device, plateURL: try await service.plateURL(for: device))
            return .bytes(Array(svg.utf8), headers: [.contentType: "image/svg+xml"])
        }
        // POST /passports/{id}/ownership {owner}: hands the battery to a new owner.
        issuer.post("passports/:id/ownership") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let owner = try RequestBody(json).requiredString("owner")
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            return try await idempotency.run(request, context: context, body: json, status: .created, json: Self.credentialJSON) {
                try await service.transferOwnership(of: device.id, to: owner, idempotency: $0)
            }
        }
        // POST /passports/{id}/bms-keys {publicKeyMultibase}: the key of a replaced BMS module.
        issuer.post("passports/:id/bms-keys") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let body = try RequestBody(json)
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            let key: PublicKey
            do {
                key = try PublicKey(multikey: try body.requiredString("publicKeyMultibase"))
            } catch let error as IdentityError {
                throw RequestBody.invalid("/publicKeyMultibase", "is not an Ed25519 or P-256 Multikey: \(error.message)")
            }
            return try await idempotency.run(request, context: context, body: json, status: .created, json: Self.credentialJSON) {
                try await service.replaceBMSKey(of: device.id, with: key, idempotency: $0)
            }
        }
        // POST /passports/{id}/lifecycle {action: recycle | repurpose | voidWarranty | firmware, …}
        issuer.post("passports/:id/lifecycle") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let device = try await device(context)
            try context.authorize(operator: device.operatorID)
            return try await lifecycle(try RequestBody(json), json: json, device: device, request: request, context: context)
        }
        // POST /operators/{name}/recalls {selector: serial | model | lot, value, reason}
        issuer.post("operators/:operator/recalls") { request, context -> Response in
            let json = try await request.jsonBody(limit: maxBodySize)
            let body = try RequestBody(json)
            let member = try await service.operators.member(named: try context.parameters.require("operator"))
            try context.authorize(operator: member.record.id)
            let value = try body.requiredString("value")
            let selector: DeviceSelector
            switch try body.requiredString("selector") {
            case "serial": selector = .serial(value)
            case "model": selector = .model(value)
            case "lot": selector = .lot(value)
            case let other: throw RequestBody.invalid("/selector", "'\(other)' is not serial, model or lot")
            }
            let reason = try body.requiredString("reason")
            return try await idempotency.run(request, context: context, body: json, status: .created, json: Self.recallJSON) {
                try await service.recall(operator: member.record.id, selector, reason: reason, idempotency: $0)
            }
        }
        // POST /operators/{name}/anchor: anchors the operator's trie root now, with its signed checkpoint.
        issuer.post("operators/:operator/anchor") { request, context -> Response in
            let member = try await service.operators.member(named: try context.parameters.require("operator"))
            try context.authorize(operator: member.record.id)
            return try await idempotency.runThenRecord(request, context: context, body: .object([:]), status: .ok) {
                let checkpoint = try await service.anchor(operator: member.record.id)
                return [
                    "operator": .string(checkpoint.operatorID), "root": .string(checkpoint.root.hex),
                    "transaction": .string(checkpoint.transaction.hex), "slot": .number(Double(checkpoint.slot)),
                    "checkpoint": .object(checkpoint.json),
                ]
            }
        }
    }

    // MARK: - Helpers

    /// Applies the lifecycle action the body names to the device.
    private func lifecycle(
        _ body: RequestBody, json: JSONValue, device: DeviceRecord, request: Request, context: VoltpassRequestContext
    ) async throws -> Response {
        let actor = PassportActor.operator(device.operatorID)
        let transition: LeafTransition
        var feed = StatusFeedEntry.Kind.lifecycle
        var detail: JSONObject = [:]
        switch try body.requiredString("action") {
        case "recycle":
            transition = .recycle
        case "repurpose":
            // The second life is written into the successor's trie: the token must act for both.
            let successor = try await service.operators.member(nameOrDID: try body.requiredString("operator")).record.id
            try context.authorize(operator: successor)
            let (gtin, serial) = (try body.requiredString("gtin"), try body.requiredString("serial"))
            return try await idempotency.run(
                request, context: context, body: json, status: .created, json: { ["successor": $0.first.map { .object($0.json) } ?? .null] }
            ) { write in
                [try await service.repurpose(device.id, to: successor, gtin: gtin, serial: serial, idempotency: write)]
            }
        case "voidWarranty":
            transition = .voidWarranty
            feed = .warranty
        case "firmware":
            guard let hash = try? Hex.decode(try body.requiredString("sha256")), hash.count == 32 else {
                throw RequestBody.invalid("/sha256", "must be 64 hex digits")
            }
            let firmware = BatteryLeaf.Firmware(version: try body.requiredString("version"), hash: hash, advisory: try body.string("advisory"))
            transition = .updateFirmware(firmware)
            feed = .firmware
            detail = ["version": .string(firmware.version), "advisory": firmware.advisory.map(JSONValue.string) ?? .null]
        case let other:
            throw APIError(.badRequest, code: "invalid_request", "/action '\(other)' is not recycle, repurpose, voidWarranty or firmware")
        }
        let id = device.id
        return try await idempotency.run(
            request, context: context, body: json, status: .ok, json: { ["batteryId": .string(id), "status": .string($0.status.description)] }
        ) {
            try await service.change(device.id, by: actor, transition, feed: feed, detail, idempotency: $0)
        }
    }

    static func devicesJSON(_ devices: [ProvisionedDevice]) -> JSONValue {
        ["devices": .array(devices.map { .object($0.json) })]
    }

    static func credentialJSON(_ credential: Credential) -> JSONValue {
        ["verifiableCredential": .object(credential.json)]
    }

    static func recallJSON(_ recall: RecallRecord) -> JSONValue {
        [
            "id": .string(recall.id), "affected": .number(Double(recall.affected)), "selector": .string(recall.selector.field),
            "value": .string(recall.selector.value),
        ]
    }

    /// The DID of the operator a query parameter names (by DID or name), `fallback` without one.
    private func operatorID(_ nameOrDID: String?, or fallback: String) async throws -> String {
        guard let nameOrDID else { return fallback }
        return try await service.operators.member(nameOrDID: nameOrDID).record.id
    }

    /// The verification of `scanned`, negotiated as linkset, HTML or JSON. The public attributes by
    /// default; with `presenting`, those the request body's role credential opens; every attribute for
    /// a bearer token acting for the battery's operator.
    private func verificationResponse(
        _ scanned: String, request: Request, context: VoltpassRequestContext, presenting: Bool = false
    ) async throws -> Response {
        let requester: Requester
        switch try await self.requester(request, context: context, presenting: presenting) {
        case .refused(let response): return response
        case .known(let known): requester = known
        }
        var result = try await service.verify(scanned)
        result.accessGroups = requester.groups(operator: result.operatorID)
        result.accessRefused = requester.access.refused
        VoltpassMetrics.record(result)
        let accept = request.headers[.accept] ?? ""
        let linkType = request.uri.queryParameters.get("linkType")
        if accept.contains("application/linkset+json") || linkType == "all" || linkType == "linkset" {
            return .json(.object(PassportLinkset.linkset(result, resolverBase: service.resolverBase)), mediaType: "application/linkset+json")
        }
        // A resolver's answer to `linkType`, or to a request for a credential: a redirect to that link.
        if let linkType = linkType ?? (accept.contains("application/vc+ld+json") ? "untp:dpp" : nil) {
            let target = try PassportLinkset.target(linkType, in: PassportLinkset.links(result, resolverBase: service.resolverBase))
            return Response(status: .temporaryRedirect, headers: [.location: target, .vary: "Accept"])
        }
        if accept.contains("text/html") { return try await pageResponse(result, scanned: scanned, request: request) }
        return .json(.object(result.json))
    }

    /// The page of `result` in the language the request asks for, with the battery's history.
    private func pageResponse(_ result: PassportVerification, scanned: String, request: Request) async throws -> Response {
        var history: PassportHistory?
        if let operatorID = result.operatorID {
            history = try await PassportHistory.read(batteryID: result.batteryID, operatorID: operatorID, service: service, verification: verification)
        }
        let language = PageLanguage.negotiated(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
        // The same page in another language: this URL (a plate token included) with `lang` set.
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let others = request.uri.queryParameters.filter { $0.key != "lang" }.map { parameter in
            [String(parameter.key), String(parameter.value)].map { $0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
                .joined(separator: "=")
        }
        let html = PassportPage.html(result, scanned: scanned, history: history, language: language) { other in
            request.uri.path + "?" + (others + ["lang=\(other.rawValue)"]).joined(separator: "&")
        }
        return .bytes(
            Array(html.utf8), headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue, .vary: "Accept, Accept-Language"])
    }

    /// The offline bundle of the `id` battery, for the groups the requester may read: without a
    /// legitimate interest in who owns it, without its Ownership credentials.
    private func bundleResponse(request: Request, context: VoltpassRequestContext, presenting: Bool) async throws -> Response {
        let requester: Requester
        switch try await self.requester(request, context: context, presenting: presenting) {
        case .refused(let response): return response
        case .known(let known): requester = known
        }
        let device = try await device(context)
        let bundle = try await service.bundle(for: device)
        let readsOwner = PassportAttributeAccess.readable("owner", by: requester.groups(operator: device.operatorID))
        var json = (readsOwner ? bundle : bundle.withholdingOwnership()).json
        if let refused = requester.access.refused { json["accessRefused"] = refused.json }
        return .json(.object(json))
    }

    /// Who asks: the access a presented role credential opened (the public groups without one) and
    /// the bearer token, if any.
    private struct Requester {
        var access: PassportAccess.Decision
        var token: AccessTokenRecord?

        /// The groups the requester may read of a battery of `operatorID`: all of them for a token
        /// acting for that operator.
        func groups(operator operatorID: String?) -> Set<AccessGroup> {
            if let token, let operatorID, token.actsFor(operatorID) { return Set(AccessGroup.allCases) }
            return access.groups
        }
    }

    private enum RequesterOutcome {
        case known(Requester)
        case refused(Response)
    }

    /// The requester of `request`: its optional bearer token and, with `presenting`, the role
    /// credential in its body (`{verifiablePresentation, options: {challenge}}`).
    private func requester(_ request: Request, context: VoltpassRequestContext, presenting: Bool) async throws -> RequesterOutcome {
        var requester = Requester(access: PassportAccess.Decision(groups: [.public], roles: [], refused: nil))
        switch try await authenticator.optional.authenticate(request, context: context) {
        case .limited(let response): return .refused(response)
        case .absent: break
        case .token(let live): requester.token = live
        }
        guard presenting else { return .known(requester) }
        var request = request
        let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
        guard let routes = access else {
            requester.access.refused = VerificationProblem(
                code: "access_registry_unconfigured", message: "this resolver has no access registry: every requester sees the public attributes")
            return .known(requester)
        }
        switch try await routes.decide(body, domain: service.resolverBase) {
        case .refused(let response): return .refused(response)
        case .decided(let decision): requester.access = decision
        }
        return .known(requester)
    }

    /// The device the `id` path parameter names (serial, Digital Link or token).
    private func device(_ context: VoltpassRequestContext) async throws -> DeviceRecord {
        let raw = try context.parameters.require("id")
        let identifier = try ScannedIdentifier(raw.removingPercentEncoding ?? raw)
        guard let device = try await service.device(scanned: identifier) else { throw PassportError.deviceNotFound(raw) }
        return device
    }

    private func plateURL(_ context: VoltpassRequestContext) async throws -> String {
        let device = try await device(context)
        try context.authorize(operator: device.operatorID)
        return try await service.plateURL(for: device)
    }

    static func operatorJSON(_ record: OperatorRecord) -> JSONValue {
        [
            "id": .string(record.id), "name": .string(record.name), "gln": record.gln.map(JSONValue.string) ?? .null,
            "companyPrefix": record.companyPrefix.map(JSONValue.string) ?? .null,
            "companyPrefixes": .array(record.companyPrefixes.map(JSONValue.string)),
        ]
    }
}
