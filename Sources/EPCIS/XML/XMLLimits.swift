/// The bounds the XML reader holds a document to while it reads, so hostile input is refused by
/// code before it costs memory or time: nesting depth, the length of one text, attribute value or
/// name, and how many elements and attributes there are.
public struct XMLLimits: Sendable, Hashable {
    /// The deepest element nesting accepted (the root is at depth 1).
    public var maxDepth: Int
    /// The longest text content of one element, or attribute value, in UTF-8 bytes.
    public var maxTextLength: Int
    /// The longest element or attribute name, prefix included, in bytes.
    public var maxNameLength: Int
    /// The most attributes (namespace declarations included) one element may carry.
    public var maxAttributes: Int
    /// The most elements one document may hold.
    public var maxElements: Int

    /// Limits that every EPCIS document fits comfortably: depth 48, texts of 64 KiB, names of 256
    /// bytes, 64 attributes an element, 1,000,000 elements.
    public init(
        maxDepth: Int = 48, maxTextLength: Int = 65_536, maxNameLength: Int = 256, maxAttributes: Int = 64, maxElements: Int = 1_000_000
    ) {
        self.maxDepth = maxDepth
        self.maxTextLength = maxTextLength
        self.maxNameLength = maxNameLength
        self.maxAttributes = maxAttributes
        self.maxElements = maxElements
    }
}
