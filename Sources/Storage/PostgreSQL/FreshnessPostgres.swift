import Passport
import PostgresNIO
import Trie

/// A verification's fresh reads in one statement: trie root, newest checkpoint, current status list revisions.
extension PostgresStore {
    public func verificationFreshness(operator operatorID: String, statusListIssuer: String, statusLists: [String], serial: String?) async throws
        -> VerificationFreshness
    {
        let rows = try await fetch(
            """
            SELECT
                (SELECT c.root FROM trie_commits c WHERE c.trie = (SELECT id FROM tries WHERE operator = \(operatorID))
                 ORDER BY c.sequence DESC LIMIT 1),
                (SELECT sequence FROM anchor_checkpoints WHERE operator_id = \(operatorID) ORDER BY sequence DESC LIMIT 1),
                ARRAY(SELECT id FROM status_lists WHERE issuer = \(statusListIssuer) AND id = ANY(\(statusLists))
                      AND published_revision = revision ORDER BY id),
                ARRAY(SELECT revision FROM status_lists WHERE issuer = \(statusListIssuer) AND id = ANY(\(statusLists))
                      AND published_revision = revision ORDER BY id),
                ARRAY(SELECT id FROM passport_devices WHERE serial = \(serial) ORDER BY id COLLATE "C" LIMIT 2)
            """
        ) { try $0.decode((ByteBuffer?, Int64?, [String], [Int64], [String]).self) }
        guard let (root, checkpoint, ids, revisions, matches) = rows.first, ids.count == revisions.count else {
            throw StorageError.corrupt("the freshness query returned no row")
        }
        let trieRoot = try root.map { buffer in
            guard let hash = Hash32(bytes: Array(buffer.readableBytesView)) else { throw StorageError.corrupt("a trie root is not 32 bytes") }
            return hash
        }
        return VerificationFreshness(
            trieRoot: trieRoot, checkpointSequence: checkpoint.map(Int.init),
            publishedRevisions: Dictionary(uniqueKeysWithValues: zip(ids, revisions.map(Int.init))), serialMatches: serial.map { _ in matches })
    }
}
