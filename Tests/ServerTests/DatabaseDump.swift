import Foundation
import VectorSupport
import ServerTestSupport
import Storage
import Testing

/// Every row of every table of a store, read from outside the server: Python's sqlite3 module for
/// SQLite, `pg_dump --data-only` for PostgreSQL. Two dumps are equal when no committed row differs.
/// (PostgreSQL sequences advance even in rolled-back transactions, by design: their `setval`
/// lines are left out.)
func databaseDump(_ configuration: StoreConfiguration) throws -> String {
    switch configuration {
    case .sqlite(let path):
        let script = """
            import sqlite3, sys
            db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                rows = sorted(repr(row) for row in db.execute('SELECT * FROM "' + name + '"'))
                print(name, len(rows))
                for row in rows:
                    print(" ", row)
            """
        return try runTool("/usr/bin/env", ["python3", "-c", script, path])
    case .postgres(let url, let schema):
        var arguments = ["pg_dump", "--data-only", "--no-owner", "--dbname", url]
        if let schema { arguments += ["--schema", schema] }
        // Left out: sequence positions, and the random token of pg_dump's `\restrict` lines.
        return try runTool("/usr/bin/env", arguments).split(separator: "\n")
            .filter { !$0.contains("setval(") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }
}

/// Runs a tool to its end and returns its standard output; a non-zero exit throws with its errors.
func runTool(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readToEndRetryingInterrupts()
    let errorText = String(decoding: errors.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestSetupError("\(arguments.first ?? executable) failed: \(errorText)") }
    return String(decoding: data, as: UTF8.self)
}

/// The lines only in `before` (`-`) and only in `after` (`+`), at most 20 of each.
func dumpDifference(_ before: String, _ after: String) -> String {
    let old = before.split(separator: "\n"), new = after.split(separator: "\n")
    let removed = old.filter { !new.contains($0) }.prefix(20).map { "- " + $0 }
    let added = new.filter { !old.contains($0) }.prefix(20).map { "+ " + $0 }
    return (removed + added).joined(separator: "\n")
}
