import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Passport
import Storage

/// The instance's own status lists: create a list, read its published credential, and change a
/// credential's status. Writes need a token acting for the instance's DID; lists of registered
/// operators are in their own namespace and out of reach of these routes.
struct StatusListRoutes {
    let lists: OperatorStatusLists
    let credentials: any CredentialRepository
    let changes: any ChangeSetRepository
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    let maxBodySize: Int
    let now: @Sendable () -> Date

    func add(to router: Router<VoltpassRequestContext>) {
        // GET /status-lists/{id}: the signed BitstringStatusListCredential, public.
        router.get("status-lists/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let credential = try await lists.publishedCredential(listID: id)
            return .json(.object(credential), mediaType: "application/vc+ld+json")
        }
        let issuer = router.group().add(middleware: authenticator.require(.issuer))
        // POST /status-lists {statusPurpose, id?, options: {length?, allocation?}}
        issuer.post("status-lists") { request, context -> Response in
            try context.authorize(operator: lists.issuerDID)
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let purpose = StatusPurpose(rawValue: try body.requiredString("statusPurpose"))
            let options = try body.object("options")
            let length = try options.integer("length") ?? StatusListBitstring.minimumEntryCount
            let allocation: StatusListService.Allocation
            switch try options.string("allocation") ?? "random" {
            case "random": allocation = .random
            case "sequential": allocation = .sequential
            case let other: throw RequestBody.invalid("/options/allocation", "must be 'random' or 'sequential', not '\(other)'")
            }
            let id = try body.string("id").map { lists.listID(of: $0) ?? $0 }
            let service = try await lists.service()
            let record = try await service.createList(id: id, purpose: purpose, entryCount: length, allocation: allocation)
            let url = await service.url(ofList: record.id)
            let credential = try await service.publishedCredential(listID: record.id)
            return .json(
                ["id": .string(url), "verifiableCredential": .object(credential)], status: .created)
                .with(header: .location, url)
        }
        // POST /credentials/status {credentialId, credentialStatus: {statusPurpose, …}, status}
        issuer.post("credentials/status") { request, context -> Response in
            try context.authorize(operator: lists.issuerDID)
            let json = try await request.jsonBody(limit: maxBodySize)
            let body = try RequestBody(json)
            let credentialID = try body.requiredString("credentialId")
            let wanted = try body.object("credentialStatus")
            let purpose = StatusPurpose(rawValue: try wanted.requiredString("statusPurpose"))
            let status = try body.requiredBool("status")
            let entry = try await Self.entry(credentialID, purpose: purpose, given: wanted, in: credentials)
            let action: StatusListService.Action
            switch (purpose, status) {
            case (.revocation, true): action = .revoke
            case (.suspension, true): action = .suspend
            case (.suspension, false): action = .reinstate
            default:
                throw StatusListError(.statusUpdateInvalid, "status \(status) cannot be set for the purpose '\(purpose)'")
            }
            let service = try await lists.service()
            let bit = try await service.bitChange(entry, action)
            let answer: JSONValue = ["credentialId": .string(credentialID), "credentialStatus": .object(entry.json), "status": .bool(status)]
            return try await idempotency.run(request, context: context, body: json, status: .ok, json: { _ in answer }) { write in
                var change = ChangeSet()
                change.statusBits = [StatusBitChange(issuer: lists.issuerDID, listID: bit.listID, index: bit.index, value: bit.value, at: now())]
                change.statusListSigner = { _, listID, bits in try await service.signedList(listID, bits: bits) }
                change.keep(try write?.response(for: (), at: now()))
                try await changes.commit(change)
                if !changes.signsStatusListsInTransaction { try await service.publish(listID: bit.listID) }
            }
        }
    }

    /// The credential's status entry for `purpose`: from the stored credential, or, for a credential
    /// not stored here, from `statusListCredential` and `statusListIndex` in the request.
    private static func entry(
        _ credentialID: String, purpose: StatusPurpose, given: RequestBody, in credentials: any CredentialRepository
    ) async throws -> StatusListEntry {
        if let stored = try await credentials.credential(id: credentialID) {
            let document = try Credential(parsing: stored.document)
            guard let entry = try StatusListEntry.entries(in: document.json).map(\.entry).first(where: { $0.purpose == purpose })
            else {
                throw StatusListError(.statusUpdateInvalid, "the credential \(credentialID) has no '\(purpose)' status entry")
            }
            return entry
        }
        guard let list = try given.string("statusListCredential"),
            let indexText = try given.string("statusListIndex")
        else {
            throw APIError(.notFound, code: "credential_not_found", "no credential \(credentialID) was issued here")
        }
        guard let index = Int(indexText), index >= 0 else {
            throw RequestBody.invalid("/credentialStatus/statusListIndex", "must be a non-negative integer string")
        }
        return StatusListEntry(purpose: purpose, index: index, listCredential: list)
    }
}

extension Response {
    /// The response with one more header.
    func with(header name: HTTPField.Name, _ value: String) -> Response {
        var response = self
        response.headers[name] = value
        return response
    }
}
