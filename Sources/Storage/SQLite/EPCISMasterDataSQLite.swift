import EPCIS
import Foundation
import GRDB

extension SQLiteStore {
    /// Writes master data elements inside the caller's transaction: attributes and children given
    /// for an element replace the stored ones.
    static func insertMasterData(_ elements: [VocabularyElement], in db: Database) throws {
        for element in elements {
            let key: StatementArguments = [element.operatorDID, element.type, element.id]
            if let attributes = element.attributes {
                try db.execute(sql: "DELETE FROM epcis_vocabulary_attributes WHERE operator = ? AND type = ? AND element = ?", arguments: key)
                for attribute in attributes {
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO epcis_vocabulary_attributes (operator, type, element, attribute, value) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT DO NOTHING
                            """
                    ).execute(arguments: key + [attribute.id, attribute.value])
                }
            }
            if let children = element.children {
                try db.execute(sql: "DELETE FROM epcis_vocabulary_children WHERE operator = ? AND type = ? AND parent = ?", arguments: key)
                for child in children {
                    try db.cachedStatement(
                        sql: "INSERT INTO epcis_vocabulary_children (operator, type, parent, child) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
                    ).execute(arguments: key + [child])
                }
            }
        }
    }

    public func vocabularyDescendants(of roots: [String], type: String, operators: [String]) async throws -> Set<String> {
        guard !roots.isEmpty, !operators.isEmpty else { return Set(roots) }
        let rootList = Array(repeating: "(?)", count: roots.count).joined(separator: ", ")
        let operatorList = Array(repeating: "?", count: operators.count).joined(separator: ", ")
        // UNION (not UNION ALL) drops ids already reached, so a cycle in the master data ends the walk.
        let sql = """
            WITH RECURSIVE below(id) AS (
                VALUES \(rootList)
                UNION
                SELECT c.child FROM epcis_vocabulary_children c JOIN below ON c.parent = below.id
                WHERE c.type = ? AND c.operator IN (\(operatorList))
            )
            SELECT id FROM below
            """
        let arguments = StatementArguments(roots) + [type] + StatementArguments(operators)
        return Set(try await read { db in try String.fetchAll(db, sql: sql, arguments: arguments) })
    }

    public func vocabularyElements(type: String, attribute: String, values: [String]?, operators: [String]) async throws -> Set<String> {
        guard !operators.isEmpty else { return [] }
        var sql = """
            SELECT DISTINCT element FROM epcis_vocabulary_attributes
            WHERE type = ? AND attribute = ? AND operator IN (\(Array(repeating: "?", count: operators.count).joined(separator: ", ")))
            """
        var arguments = StatementArguments([type, attribute]) + StatementArguments(operators)
        if let values {
            sql += " AND value IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))"
            arguments += StatementArguments(values)
        }
        let frozen = arguments
        let query = sql
        return Set(try await read { db in try String.fetchAll(db, sql: query, arguments: frozen) })
    }
}
