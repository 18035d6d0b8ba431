import Passport
import PostgresNIO
import Trie

/// A verification's fresh reads in one statement, prepared once per connection (it runs on every
/// verification): trie root, newest checkpoint, current status list revisions, devices with each serial.
extension PostgresStore {
    public func verificationFreshness(operator operatorID: String, statusListIssuer: String, statusLists: [String], serials: [String]) async throws
        -> VerificationFreshness
    {
        let statement = FreshnessStatement(operatorID: operatorID, issuer: statusListIssuer, statusLists: statusLists, serials: serials)
        let rows = try await prepared(statement)
        guard let (root, checkpoint, ids, revisions, matchedSerials, matchedDevices) = rows.first, ids.count == revisions.count,
            matchedSerials.count == matchedDevices.count
        else {
            throw StorageError.corrupt("the freshness query returned no row")
        }
        let trieRoot = try root.map { buffer in
            guard let hash = Hash32(bytes: Array(buffer.readableBytesView)) else { throw StorageError.corrupt("a trie root is not 32 bytes") }
            return hash
        }
        return VerificationFreshness(
            trieRoot: trieRoot, checkpointSequence: checkpoint.map(Int.init),
            publishedRevisions: Dictionary(uniqueKeysWithValues: zip(ids, revisions.map(Int.init))),
            serialMatches: zip(matchedSerials, matchedDevices).reduce(into: Dictionary(uniqueKeysWithValues: serials.map { ($0, [String]()) })) {
                $0[$1.0, default: []].append($1.1)
            })
    }
}

private struct FreshnessStatement: PostgresPreparedStatement {
    typealias Row = (ByteBuffer?, Int64?, [String], [Int64], [String], [String])

    static let name = "voltpass_verification_freshness_v2"
    /// The last two columns pair each serial with the ids of its devices (at most two per serial).
    static let sql = """
        SELECT
            (SELECT c.root FROM trie_commits c WHERE c.trie = (SELECT id FROM tries WHERE operator = $1)
             ORDER BY c.sequence DESC LIMIT 1),
            (SELECT sequence FROM anchor_checkpoints WHERE operator_id = $1 ORDER BY sequence DESC LIMIT 1),
            ARRAY(SELECT id FROM status_lists WHERE issuer = $2 AND id = ANY($3) AND published_revision = revision ORDER BY id),
            ARRAY(SELECT revision FROM status_lists WHERE issuer = $2 AND id = ANY($3) AND published_revision = revision ORDER BY id),
            ARRAY(SELECT s.serial FROM unnest($4::text[]) AS s (serial), LATERAL (
                      SELECT id FROM passport_devices WHERE serial = s.serial ORDER BY id COLLATE "C" LIMIT 2) AS d
                  ORDER BY s.serial, d.id COLLATE "C"),
            ARRAY(SELECT d.id FROM unnest($4::text[]) AS s (serial), LATERAL (
                      SELECT id FROM passport_devices WHERE serial = s.serial ORDER BY id COLLATE "C" LIMIT 2) AS d
                  ORDER BY s.serial, d.id COLLATE "C")
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .textArray, .textArray]

    let operatorID: String
    let issuer: String
    let statusLists: [String]
    let serials: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(operatorID)
        bindings.append(issuer)
        bindings.append(statusLists)
        bindings.append(serials)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
