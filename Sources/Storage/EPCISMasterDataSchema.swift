/// EPCIS master data captured with documents (`epcisHeader.epcisMasterData`), per operator: each
/// vocabulary element's attributes (for `HASATTR_…` and `EQ_ATTR_…`) and its children (for
/// `WD_readPoint` and `WD_bizLocation`). Ids are canonical identifiers.
enum EPCISMasterDataSchema {
    static let name = "EPCIS master data: vocabulary attributes and hierarchies"

    static let sqlite = [
        """
        CREATE TABLE epcis_vocabulary_attributes (
            operator TEXT NOT NULL,
            type TEXT NOT NULL,
            element TEXT NOT NULL,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (operator, type, element, attribute, value)
        ) STRICT, WITHOUT ROWID
        """,
        "CREATE INDEX epcis_vocabulary_attributes_by_name ON epcis_vocabulary_attributes (type, attribute, value)",
        """
        CREATE TABLE epcis_vocabulary_children (
            operator TEXT NOT NULL,
            type TEXT NOT NULL,
            parent TEXT NOT NULL,
            child TEXT NOT NULL,
            PRIMARY KEY (operator, type, parent, child)
        ) STRICT, WITHOUT ROWID
        """,
    ]

    static let postgres = [
        """
        CREATE TABLE epcis_vocabulary_attributes (
            operator TEXT NOT NULL,
            type TEXT NOT NULL,
            element TEXT NOT NULL,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (operator, type, element, attribute, value)
        )
        """,
        "CREATE INDEX epcis_vocabulary_attributes_by_name ON epcis_vocabulary_attributes (type, attribute, value)",
        """
        CREATE TABLE epcis_vocabulary_children (
            operator TEXT NOT NULL,
            type TEXT NOT NULL,
            parent TEXT NOT NULL,
            child TEXT NOT NULL,
            PRIMARY KEY (operator, type, parent, child)
        )
        """,
    ]
}
