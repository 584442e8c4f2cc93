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
