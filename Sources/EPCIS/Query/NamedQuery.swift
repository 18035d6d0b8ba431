import Encoding
import Foundation

/// A named EPCIS query of the REST binding (`POST /queries`): a stored view on the events, run again
/// on each `GET /queries/{name}/events` with the requester's visibility. Names are unique per owner.
public struct NamedQuery: Sendable, Hashable {
    public var name: String
    /// Whose query it is: the operators of the token that created it (their DIDs, sorted, space-separated).
    public var owner: String
    /// The binding's `query` object: parameter name → value (a list of values, a string, a number or a boolean).
    public var query: JSONObject
    public var createdAt: Date

    public init(name: String, owner: String, query: JSONObject, createdAt: Date) {
        self.name = name
        self.owner = owner
        self.query = query
        self.createdAt = createdAt
    }

    /// The owner of the queries a token acting for `operators` creates and sees.
    public static func owner(operators: [String]) -> String {
        operators.sorted().joined(separator: " ")
    }

    /// The query's parameters as a URI query string gives them: lists `|`-separated, booleans and
    /// numbers as their text. A value of another kind is `epcis_query_parameter_invalid`.
    public static func parameters(of query: JSONObject) throws(EPCISQueryError) -> [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        for (name, value) in query {
            switch value {
            case .string(let text): parameters.append((name, text))
            case .bool(let flag): parameters.append((name, flag ? "true" : "false"))
            case .number(let number) where number == number.rounded() && abs(number) < 1e15: parameters.append((name, String(Int64(number))))
            case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }):
                parameters.append((name, items.compactMap(\.stringValue).joined(separator: "|")))
            default: throw .invalid(name, "\(name) must be a string, a list of strings, an integer or a boolean")
            }
        }
        return parameters
    }
}

/// Why a named query could not be stored.
public struct NamedQueryError: CodedError, Equatable {
    public let code: String
    public let message: String

    /// The owner has a query of that name already (`epcis_query_exists`).
    public static func exists(_ name: String) -> NamedQueryError {
        NamedQueryError(code: "epcis_query_exists", message: "a query named '\(name)' exists already")
    }
}

/// Where named queries are kept.
public protocol NamedQueryRepository: Sendable {
    /// Stores `query`; a name its owner uses already throws ``NamedQueryError/exists(_:)``.
    func saveNamedQuery(_ query: NamedQuery) async throws
    func namedQuery(name: String, owner: String) async throws -> NamedQuery?
    /// The owner's queries by name, at most `limit`.
    func namedQueries(owner: String, limit: Int) async throws -> [NamedQuery]
    /// Removes the query; false when there was none.
    func deleteNamedQuery(name: String, owner: String) async throws -> Bool
}
