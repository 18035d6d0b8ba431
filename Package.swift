// swift-tools-version:6.1
import PackageDescription

/// Modules, bottom up: each imports only modules listed before it (see DESIGN.md, "Layers").
let package = Package(
    name: "Voltpass",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "voltpass", targets: ["voltpass"]),
        .executable(name: "voltpass-bench", targets: ["voltpass-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        // The WebSocket upgrade of the server's HTTP/1 connections (EPCIS query subscriptions over WebSocket) and its client.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        // NIOHTTPTypes: the HTTP parts the server's connection guard sees (already in Hummingbird's graph).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
    ],
    targets: [
        // Pure Swift encodings: JSON + JCS, deterministic CBOR, multibase, BLAKE2b. No dependencies.
        .target(name: "Encoding"),
        // The Cryptoki (PKCS #11) declarations Identity's HSM signer calls; modules are loaded with dlopen, never linked.
        .target(name: "CPKCS11"),
        .target(
            name: "Identity",
            dependencies: [
                "Encoding", "CPKCS11",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // COSE_Sign1 (RFC 9052) with EdDSA, ES256 and ES384, COSE_Key and CWT: for readings, plates and VC-JOSE-COSE.
        .target(name: "COSE", dependencies: ["Encoding", "Identity"]),
        .target(
            name: "Credentials",
            dependencies: [
                "RDF",
                "Encoding", "Identity", "COSE",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]),
        .target(
            name: "EPCIS",
            dependencies: ["Encoding", "Identity", "Credentials", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Trie", dependencies: ["Encoding"]),
        .target(name: "RDF", dependencies: ["Encoding", .product(name: "Crypto", package: "swift-crypto")], resources: [.copy("Contexts")]),
        .target(
            name: "Readings",
            dependencies: ["Encoding", "Identity", "COSE", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Ledger", dependencies: ["Encoding", "Trie", "Cardano", "CardanoChain"]),
        // Cardano Conway transactions, byte-exact: Plutus data, tx ids over the body's own bytes, vkey witnesses, fees.
        .target(name: "Cardano", dependencies: ["Encoding", "Trie", .product(name: "Crypto", package: "swift-crypto")]),
        // Chain access for the Cardano transactions: Ogmios v6 over HTTP.
        .target(
            name: "CardanoChain",
            dependencies: ["Cardano", "Encoding", .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        // QR Code (ISO/IEC 18004) encoder with SVG and PNG output, for passport plates. No dependencies.
        .target(name: "QRCode", dependencies: ["Encoding"]),
        .target(name: "NDEF"),
        .target(
            name: "Passport",
            dependencies: [
                "Encoding", "Identity", "COSE", "Credentials", "EPCIS", "Trie", "Readings", "Ledger", "Cardano",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "Storage",
            dependencies: [
                "Encoding", "Identity", "Credentials", "EPCIS", "Trie", "Ledger", "Passport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Server",
            dependencies: [
                "Encoding", "Identity", "Credentials", "EPCIS", "Trie", "Readings", "Ledger", "Passport", "QRCode", "NDEF", "Storage", "Cardano",
                "CardanoChain", "RDF", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // The demo supply chain `voltpass serve --demo` seeds through the passport service.
        .target(
            name: "VoltpassDemo",
            dependencies: [
                "Encoding", "Identity", "Credentials", "EPCIS", "Readings", "Ledger", "Passport", "Storage", "Server",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "voltpass",
            dependencies: [
                "Encoding", "Identity", "COSE", "Credentials", "EPCIS", "Readings", "Passport", "Storage", "Server", "VoltpassDemo", "Cardano",
                "CardanoChain", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "voltpass-bench",
            dependencies: [
                "Encoding", "Identity", "Credentials", "EPCIS", "Trie", "Readings", "Ledger", "Passport", "QRCode", "Storage", "Server", "RDF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Locates ../shared/vectors for the vector tests (VOLTPASS_VECTORS overrides).
        .target(name: "VectorSupport", dependencies: ["Encoding"], path: "Tests/VectorSupport"),
        // A real HTTP server on loopback publishing documents (status lists) that tests replace at will.
        .target(
            name: "HTTPTestSupport",
            dependencies: [
                "Encoding", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/HTTPTestSupport"),
        // SoftHSM2 tokens in a temporary directory, created once per test process, for the PKCS#11 tests.
        .target(name: "HSMTestSupport", dependencies: ["Identity", "VectorSupport"], path: "Tests/HSMTestSupport"),
        .testTarget(
            name: "EncodingTests",
            dependencies: ["Encoding", "VectorSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "IdentityTests",
            dependencies: [
                "Identity", "RDF", "VectorSupport", "HSMTestSupport", "HTTPTestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "Identity", "Credentials", "EPCIS", "Trie", "Ledger", "Passport", "VectorSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        // A Voltpass server on a temporary store over real HTTP on loopback, for the tests of the modules above Server.
        .target(
            name: "ServerTestSupport",
            dependencies: [
                "Server", "Storage", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ServerTestSupport"),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Storage", "Identity", "Credentials", "EPCIS", "Passport", "Trie", "Readings", "Ledger", "RDF", "VectorSupport",
                "ServerTestSupport", "HSMTestSupport", "HTTPTestSupport", "Cardano", "CardanoChain", "CardanoTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]),
        .testTarget(
            name: "VoltpassDemoTests",
            dependencies: [
                "VoltpassDemo", "Server", "Passport", "Credentials", "Encoding", "ServerTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(
            name: "CredentialsTests",
            dependencies: [
                "Credentials", "COSE", "Identity", "VectorSupport", "HTTPTestSupport", "HSMTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "TrieTests", dependencies: ["Trie", "VectorSupport"]),
        .testTarget(name: "RDFTests", dependencies: ["RDF", "Encoding", "VectorSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "EPCISTests", dependencies: ["EPCIS", "Credentials", "RDF", "Identity", "Encoding", "VectorSupport", "HTTPTestSupport"]),
        .testTarget(name: "ReadingsTests", dependencies: ["Readings", "COSE", "Identity", "Encoding", "VectorSupport"]),
        .testTarget(
            name: "PassportTests", dependencies: ["Passport", "Credentials", "RDF", .product(name: "Crypto", package: "swift-crypto"), "Identity", "Encoding", "Readings", "Trie", "Ledger", "VectorSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Trie", "Encoding", "VectorSupport", "Cardano", "CardanoChain", "CardanoTestSupport"]),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode", "VectorSupport"]),
        .testTarget(name: "NDEFTests", dependencies: ["NDEF", "VectorSupport"]),
        // Aiken's evaluator as the judge of the script transactions the Cardano tests build, and a chain emulator on loopback.
        .target(
            name: "CardanoTestSupport",
            dependencies: [
                "Cardano", "Encoding", "VectorSupport", "HTTPTestSupport", .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/CardanoTestSupport"),
        .testTarget(name: "CardanoTests", dependencies: ["Cardano", "CardanoTestSupport", "Encoding", "Trie", "VectorSupport"]),
        .testTarget(
            name: "CardanoChainTests",
            dependencies: [
                "CardanoChain", "Cardano", "CardanoTestSupport", "Encoding", "HTTPTestSupport", "Trie", "VectorSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(
            name: "VoltpassCLITests",
            dependencies: [
                "voltpass", "Encoding", "Identity", "Credentials", "Passport", "Readings", "Ledger", "Server", "Storage", "VectorSupport",
                "Cardano", "CardanoChain", "CardanoTestSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
