import Encoding

/// Byte spans of the elements of a top-level array or map, so their exact encodings can be hashed.
enum CBORSpans {
    struct Entry {
        let key: CBOR
        let value: CBOR
        let range: Range<Int>
    }

    /// The elements of the array that fills `bytes`, with their ranges.
    static func arrayElements(_ bytes: [UInt8], context: String) throws(CardanoError) -> [(item: CBOR, range: Range<Int>)] {
        do {
            var reader = CBORReader(bytes)
            let head = try reader.readHead()
            guard head.major == .array else { throw CardanoError(.malformedCBOR, "\(context) must be an array") }
            var elements: [(item: CBOR, range: Range<Int>)] = []
            while head.argument.map({ UInt64(elements.count) < $0 }) ?? (reader.offset < bytes.count && bytes[reader.offset] != 0xff) {
                let start = reader.offset
                let item = try reader.readItem()
                elements.append((item, start..<reader.offset))
            }
            if head.argument == nil { _ = try reader.readHead() }  // the break, checked above
            guard reader.isAtEnd else { throw CardanoError(.malformedCBOR, "\(context) is followed by extra bytes") }
            return elements
        } catch let error as CBORError {
            throw CardanoError.cbor(error, in: context)
        } catch let error as CardanoError {
            throw error
        } catch {
            throw CardanoError(.malformedCBOR, "\(context): \(error)")
        }
    }

    /// The entries of the map that fills `bytes`, with the ranges of their values.
    static func mapEntries(_ bytes: [UInt8], context: String) throws(CardanoError) -> [Entry] {
        do {
            var reader = CBORReader(bytes)
            let head = try reader.readHead()
            guard head.major == .map else { throw CardanoError(.malformedCBOR, "\(context) must be a map") }
            var entries: [Entry] = []
            while head.argument.map({ UInt64(entries.count) < $0 }) ?? (reader.offset < bytes.count && bytes[reader.offset] != 0xff) {
                let key = try reader.readItem()
                let start = reader.offset
                let value = try reader.readItem()
                entries.append(Entry(key: key, value: value, range: start..<reader.offset))
            }
            if head.argument == nil { _ = try reader.readHead() }
            guard reader.isAtEnd else { throw CardanoError(.malformedCBOR, "\(context) is followed by extra bytes") }
            guard Set(entries.map(\.key)).count == entries.count else {
                throw CardanoError(.malformedCBOR, "\(context) has a duplicate key")
            }
            return entries
        } catch let error as CBORError {
            throw CardanoError.cbor(error, in: context)
        } catch let error as CardanoError {
            throw error
        } catch {
            throw CardanoError(.malformedCBOR, "\(context): \(error)")
        }
    }
}
