// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-ipvsadm",
    products: [
        .executable(name: "ipvsadm", targets: ["ipvsadm"]),
        .library(name: "IPVS", targets: ["IPVS"]),
        .library(name: "IPVSAdmin", targets: ["IPVSAdmin"]),
    ],
    targets: [
        // libnl-3 and its generic-netlink half, found through pkg-config.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]
        ),
        // Only what Swift cannot import from libnl: macros, policy tables, the error callback.
        .target(name: "CIPVSShim", dependencies: ["CNetlink"]),
        // The kernel's IPVS generic-netlink family as a typed Swift API. Never prints, never reads argv.
        .target(name: "IPVS", dependencies: ["CNetlink", "CIPVSShim"]),
        // ipvsadm 1.31 compatibility: parser, formatters, restore, the command runner.
        .target(name: "IPVSAdmin", dependencies: ["IPVS", "CIPVSShim"]),
        .executableTarget(name: "ipvsadm", dependencies: ["IPVSAdmin"]),
        // The library used on its own: lists the table and adds a service (see Sources/IPVS/IPVS.docc).
        .executableTarget(name: "ipvs-example", dependencies: ["IPVS"], path: "Examples/ipvs-example"),
        // What more than one test target needs.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "IPVSTests", dependencies: ["IPVS", "CNetlink", "CIPVSShim", "TestSupport"]),
        // Against the real kernel (run inside the test VM; skipped elsewhere) and the built binary.
        .testTarget(name: "KernelTests", dependencies: ["IPVS", "IPVSAdmin"]),
        .testTarget(
            name: "IPVSAdminTests",
            dependencies: ["IPVSAdmin", "IPVS", "TestSupport"],
            resources: [.copy("Golden")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer targets (Fuzz/, run by Scripts/fuzz). They have no main of their own
// (libFuzzer's is linked in with -sanitize=fuzzer), so they exist only in the manifest
// Scripts/fuzz evaluates, with IPVS_FUZZ set; there the programs with a main and the
// tests are left out, so that one `swift build` builds every fuzz target.
if Context.environment["IPVS_FUZZ"] != nil {
    package.products = []
    package.targets.removeAll { $0.type == .executable || $0.type == .test }
    package.targets.removeAll { $0.name == "TestSupport" }
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/FuzzDriver"))
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["FuzzDriver"], path: "Fuzz/FuzzSupport"))
    for name in [
        "FuzzArguments", "FuzzRestore", "FuzzTableListing", "FuzzConnections", "FuzzReplies", "FuzzConfiguration",
    ] {
        package.targets.append(.executableTarget(
            name: name, dependencies: ["FuzzSupport", "IPVS", "IPVSAdmin", "CIPVSShim", "CNetlink"], path: "Fuzz/\(name)"))
    }
}
