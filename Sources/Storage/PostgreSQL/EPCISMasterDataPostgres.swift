import EPCIS
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Writes master data elements on the caller's transaction: attributes and children given for an
    /// element replace the stored ones.
    func insertMasterData(_ elements: [VocabularyElement], on connection: PostgresConnection) async throws {
        for element in elements {
            if let attributes = element.attributes {
                try await run(
                    """
                    DELETE FROM epcis_vocabulary_attributes
                    WHERE operator = \(element.operatorDID) AND type = \(element.type) AND element = \(element.id)
                    """, on: connection)
                try await run(
                    """
                    INSERT INTO epcis_vocabulary_attributes (operator, type, element, attribute, value)
                    SELECT \(element.operatorDID), \(element.type), \(element.id), a, v
                    FROM unnest(\(attributes.map(\.id))::text[], \(attributes.map(\.value))::text[]) AS t(a, v)
                    ON CONFLICT DO NOTHING
                    """, on: connection)
            }
            if let children = element.children {
                try await run(
                    """
                    DELETE FROM epcis_vocabulary_children
                    WHERE operator = \(element.operatorDID) AND type = \(element.type) AND parent = \(element.id)
                    """, on: connection)
                try await run(
                    """
                    INSERT INTO epcis_vocabulary_children (operator, type, parent, child)
                    SELECT \(element.operatorDID), \(element.type), \(element.id), unnest(\(children)::text[])
                    ON CONFLICT DO NOTHING
                    """, on: connection)
            }
        }
    }

    public func vocabularyDescendants(of roots: [String], type: String, operators: [String]) async throws -> Set<String> {
        guard !roots.isEmpty, !operators.isEmpty else { return Set(roots) }
        // UNION (not UNION ALL) drops ids already reached, so a cycle in the master data ends the walk.
        return Set(
            try await fetch(
                """
                WITH RECURSIVE below(id) AS (
                    SELECT unnest(\(roots)::text[])
                    UNION
                    SELECT c.child FROM epcis_vocabulary_children c JOIN below ON c.parent = below.id
                    WHERE c.type = \(type) AND c.operator = ANY(\(operators)::text[])
                )
                SELECT id FROM below
                """
            ) { try $0.decode(String.self) })
    }

    public func vocabularyElements(type: String, attribute: String, values: [String]?, operators: [String]) async throws -> Set<String> {
        guard !operators.isEmpty else { return [] }
        return Set(
            try await fetch(
                """
                SELECT DISTINCT element FROM epcis_vocabulary_attributes
                WHERE type = \(type) AND attribute = \(attribute) AND operator = ANY(\(operators)::text[])
                  AND (\(values == nil) OR value = ANY(\(values ?? [])::text[]))
                """
            ) { try $0.decode(String.self) })
    }
}
