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
        // Written through a close-on-exec descriptor, so that a test spawning a process
        // meanwhile holds it for writing (exec failing with ETXTBSY) only until its exec.
        let script = Array("#!/bin/sh\n[ \"$0\" = '\(standIn)' ] && [ $# = 2 ] && [ \"$1\" = -- ] && [ \"$2\" = ip_vs ]\n".utf8)
        let descriptor = open(standIn, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        try #require(descriptor >= 0)
        #expect(script.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == script.count)
        close(descriptor)
        defer { unlink(standIn) }
        // Another test's child, between its fork and its exec, may still hold the
        // descriptor (ETXTBSY): a right answer within a few tries counts.
        #expect((1...10).contains { _ in KernelModule.load("ip_vs", modprobe: standIn) || (usleep(50_000) != 0) })
        #expect(!KernelModule.load("ip_vs_rr", modprobe: standIn))
    }
}
