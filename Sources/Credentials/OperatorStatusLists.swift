import Encoding
import Foundation
import Identity

/// The operator's Bitstring Status Lists: a `StatusListService` signing with the operator's current
/// key (rebuilt after a rotation), over the status list table beside the store. Lists are published
/// at `<scheme>://<publicHost>/status-lists/<id>`: `http` for a localhost host, `https` otherwise.
public actor OperatorStatusLists {
    private let repository: any StatusListRepository
    private let operatorKeys: OperatorKeys
    /// Where the lists are published, without a trailing slash.
    public nonisolated let baseURL: String
    /// The DID that owns and signs these lists.
    public nonisolated var issuerDID: String { operatorKeys.did }
    private var current: (methodID: String, service: StatusListService)?
    /// The last parsed signed copy of each list, by revision.
    private var parsed: [String: (revision: Int, credential: JSONObject)] = [:]

    /// Lists published under `path` (`status-lists` for the instance's own, `operators/<name>/status-lists`
    /// for a registered operator's).
    public init(
        repository: any StatusListRepository, operatorKeys: OperatorKeys, publicHost: String,
        path: String = "status-lists"
    ) {
        self.repository = repository
        self.operatorKeys = operatorKeys
        self.baseURL = Self.publicBaseURL(publicHost) + "/" + path
    }

    /// `http://<publicHost>` for a localhost host, `https://<publicHost>` otherwise.
    public static func publicBaseURL(_ publicHost: String) -> String {
        let host = publicHost.split(separator: ":").first.map(String.init)?.lowercased() ?? ""
        let scheme = ["localhost", "127.0.0.1"].contains(host) ? "http" : "https"
        return "\(scheme)://\(publicHost)"
    }

    /// The service signing with the operator's current key.
    public func service() async throws -> StatusListService {
        let (methodID, signer) = try await operatorKeys.currentSigner()
        if let current, current.methodID == methodID { return current.service }
        let service = StatusListService(
            repository: repository, issuer: operatorKeys.did, signer: signer, verificationMethod: methodID,
            baseURL: baseURL)
        current = (methodID, service)
        return service
    }

    /// A list's signed credential as published; reading it loads no key, and a revision already
    /// parsed here is not parsed again (every verification reads the operator's lists).
    /// The signed copy of `listID` parsed here already, when it shows `revision`; nil otherwise.
    public func parsedCredential(listID: String, revision: Int) -> JSONObject? {
        parsed[listID].flatMap { $0.revision == revision ? $0.credential : nil }
    }

    public func publishedCredential(listID: String) async throws -> JSONObject {
        let current = try await StatusListService.currentPublication(listID: listID, issuer: issuerDID, in: repository)
        if let known = parsed[listID], known.revision == current.revision { return known.credential }
        let credential = try StatusListService.credential(of: current, listID: listID)
        parsed[listID] = (current.revision, credential)
        return credential
    }

    /// The list id of a URL under `baseURL`, or nil for another publisher's list.
    public nonisolated func listID(of url: String) -> String? {
        let prefix = baseURL + "/"
        let base = String(url.prefix { $0 != "#" })
        guard base.hasPrefix(prefix), base.count > prefix.count else { return nil }
        return String(base.dropFirst(prefix.count))
    }
}

/// Fetches the operator's own status lists straight from the service (always current, no request to
/// ourselves) and every other list over HTTP.
public struct OperatorStatusListFetcher: StatusListFetcher {
    let lists: OperatorStatusLists
    let remote: any StatusListFetcher

    public init(lists: OperatorStatusLists, remote: any StatusListFetcher) {
        self.lists = lists
        self.remote = remote
    }

    public func fetch(_ url: String) async throws(StatusListError) -> JSONObject {
        guard let id = lists.listID(of: url) else { return try await remote.fetch(url) }
        do {
            return try await lists.publishedCredential(listID: id)
        } catch let error as StatusListError {
            throw error.kind == .statusListNotFound ? StatusListError(.statusUnreachable, error.message) : error
        } catch {
            throw StatusListError(.statusUnreachable, "the status list \(id) could not be read: \(error)")
        }
    }
}
