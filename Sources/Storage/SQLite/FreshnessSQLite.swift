import Foundation
import GRDB
import Passport
import Trie

/// A verification's fresh reads in one read transaction: trie root, newest checkpoint, current status list revisions,
/// devices with each serial.
extension SQLiteStore {
    public func verificationFreshness(operator operatorID: String, statusListIssuer: String, statusLists: [String], serials: [String]) async throws
        -> VerificationFreshness
    {
        try await read { db in
            let root = try Data.fetchOne(
                db.cachedStatement(sql: """
                    SELECT c.root FROM trie_commits c WHERE c.trie = (SELECT id FROM tries WHERE operator = ?)
                    ORDER BY c.sequence DESC LIMIT 1
                    """), arguments: [operatorID])
            let checkpoint = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT sequence FROM anchor_checkpoints WHERE operator_id = ? ORDER BY sequence DESC LIMIT 1"),
                arguments: [operatorID])
            var revisions: [String: Int] = [:]
            let list = try db.cachedStatement(
                sql: "SELECT revision FROM status_lists WHERE issuer = ? AND id = ? AND published_revision = revision")
            for listID in statusLists {
                if let revision = try Int.fetchOne(list, arguments: [statusListIssuer, listID]) { revisions[listID] = revision }
            }
            let trieRoot = try root.map { data in
                guard let hash = Hash32(bytes: Array(data)) else { throw StorageError.corrupt("a trie root is not 32 bytes") }
                return hash
            }
            var matches: [String: [String]] = [:]
            let devices = try db.cachedStatement(sql: "SELECT id FROM passport_devices WHERE serial = ? ORDER BY id LIMIT 2")
            for serial in serials { matches[serial] = try String.fetchAll(devices, arguments: [serial]) }
            return VerificationFreshness(trieRoot: trieRoot, checkpointSequence: checkpoint, publishedRevisions: revisions, serialMatches: matches)
        }
    }
}
