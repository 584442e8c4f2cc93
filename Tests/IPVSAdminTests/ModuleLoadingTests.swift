import Foundation
import Testing

@testable import IPVSAdmin

/// ipvsadm's module loading: `/sbin/modprobe -- ip_vs`, waited for; only a clean exit
/// counts as loaded (the start-up then tries IPVS once more).
@Suite("Module loading")
struct ModuleLoadingTests {
    @Test func onlyAZeroExitCountsAsLoaded() {
        #expect(KernelModule.modprobe == "/sbin/modprobe")
        #expect(KernelModule.load("ip_vs", modprobe: "/bin/true"))
        #expect(!KernelModule.load("ip_vs", modprobe: "/bin/false"))
        #expect(!KernelModule.load("ip_vs", modprobe: "/nonexistent/modprobe"))
    }

    @Test func modprobeGetsItsPathDoubleDashAndTheModule() throws {
        let standIn = FileManager.default.temporaryDirectory.appendingPathComponent("modprobe-\(UUID().uuidString)").path
        try "#!/bin/sh\n[ \"$0\" = '\(standIn)' ] && [ $# = 2 ] && [ \"$1\" = -- ] && [ \"$2\" = ip_vs ]\n"
            .write(toFile: standIn, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: standIn) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn)
        #expect(KernelModule.load("ip_vs", modprobe: standIn))
        #expect(!KernelModule.load("ip_vs_rr", modprobe: standIn))
    }
}
