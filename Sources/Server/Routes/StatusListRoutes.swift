import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Passport
import Storage

/// The operator's Bitstring Status Lists: a `StatusListService` signing with the operator's current
/// key (rebuilt after a rotation), over the status list table beside the store. Lists are published
/// at `<scheme>://<publicHost>/status-lists/<id>`: `http` for a localhost host, `https` otherwise.
actor OperatorStatusLists {
    private let repository: any StatusListRepository
    private let operatorKeys: OperatorKeys
    /// Where the lists are published, without a trailing slash.
    nonisolated let baseURL: String
    private var current: (methodID: String, service: StatusListService)?

    /// Lists published under `path` (`status-lists` for the instance's own, `operators/<name>/status-lists`
    /// for a registered operator's).
    init(
        repository: any StatusListRepository, operatorKeys: OperatorKeys, publicHost: String,
        path: String = "status-lists"
    ) {
        self.repository = repository
        self.operatorKeys = operatorKeys
        self.baseURL = Self.publicBaseURL(publicHost) + "/" + path
    }

    /// `http://<publicHost>` for a localhost host, `https://<publicHost>` otherwise.
    static func publicBaseURL(_ publicHost: String) -> String {
        let host = publicHost.split(separator: ":").first.map(String.init)?.lowercased() ?? ""
        let scheme = ["localhost", "127.0.0.1"].contains(host) ? "http" : "https"
        return "\(scheme)://\(publicHost)"
    }

    /// The service signing with the operator's current key.
    func service() async throws -> StatusListService {
        let (methodID, signer) = try await operatorKeys.currentSigner()
        if let current, current.methodID == methodID { return current.service }
        let service = StatusListService(
            repository: repository, issuer: operatorKeys.did, signer: signer, verificationMethod: methodID,
            baseURL: baseURL)
        current = (methodID, service)
        return service
    }

    /// The list id of a URL under `baseURL`, or nil for another publisher's list.
    nonisolated func listID(of url: String) -> String? {
        let prefix = baseURL + "/"
        let base = String(url.prefix { $0 != "#" })
        guard base.hasPrefix(prefix), base.count > prefix.count else { return nil }
        return String(base.dropFirst(prefix.count))
    }
}

/// Fetches the operator's own status lists straight from the service (always current, no request to
/// ourselves) and every other list over HTTP.
struct OperatorStatusListFetcher: StatusListFetcher {
    let lists: OperatorStatusLists
    let remote: any StatusListFetcher

    func fetch(_ url: String) async throws(StatusListError) -> JSONObject {
        guard let id = lists.listID(of: url) else { return try await remote.fetch(url) }
        do {
            return try await lists.service().publishedCredential(listID: id)
        } catch let error as StatusListError {
            throw error.kind == .statusListNotFound ? StatusListError(.statusUnreachable, error.message) : error
        } catch {
            throw StatusListError(.statusUnreachable, "the status list \(id) could not be read: \(error)")
        }
    }
}

/// Status list endpoints: create a list, publish it, and change a credential's status.
struct StatusListRoutes {
    let lists: OperatorStatusLists
    let credentials: any CredentialRepository
    let changes: any ChangeSetRepository
    let tokens: any AccessTokenRepository
    let idempotency: IdempotencyKeys
    let maxBodySize: Int
    let now: @Sendable () -> Date

    func add(to router: Router<VoltpassRequestContext>) {
        // GET /status-lists/{id}: the signed BitstringStatusListCredential, public.
        router.get("status-lists/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let credential = try await lists.service().publishedCredential(listID: id)
            return .json(.object(credential), mediaType: "application/vc+ld+json")
        }
        let issuer = router.group().add(middleware: RequireRole(.issuer, tokens: tokens))
        // POST /status-lists {statusPurpose, id?, options: {length?, allocation?}}
        issuer.post("status-lists") { request, _ -> Response in
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
            let bit = try await lists.service().bitChange(entry, action)
            let answer: JSONValue = ["credentialId": .string(credentialID), "credentialStatus": .object(entry.json), "status": .bool(status)]
            return try await idempotency.run(request, context: context, body: json, status: .ok, json: { _ in answer }) { write in
                var change = ChangeSet()
                change.statusBits = [StatusBitChange(listID: bit.listID, index: bit.index, value: bit.value, at: now())]
                change.response = try write?.response(for: (), at: now())
                try await changes.commit(change)
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
