import Glibc
import IPVS
import Testing

@testable import IPVSAdmin

/// A write to standard output that fails is reported and fails the run (a deliberate
/// deviation: ipvsadm 1.31 says nothing and exits 0, so `ipvsadm -S > file` on a full
/// disk leaves a truncated file behind a success).
@Suite("Output failures", .serialized)
struct OutputFailureTests {
    /// A table with one service, so that listings have something to write.
    static func table() -> FakeIPVS {
        let fake = FakeIPVS()
        _ = invoke(fake, words("-A -t 10.0.0.1:80 -s rr"))
        return fake
    }

    static func run(
        _ arguments: [String], writingTo descriptor: Int32, bufferLimit: Int = 1 << 16, stdin: String = ""
    ) -> (errors: String, status: Int32)
    {
        let errors = TextOutput()
        let session = AdminSession(
            control: table(), info: IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096), program: "ipvsadm",
            output: FileOutput(descriptor: descriptor, bufferLimit: bufferLimit), errors: errors,
            restoreInput: .bytes(Array(stdin.utf8)), readConnections: { [] })
        let status = session.run(arguments)
        return (errors.text, status)
    }

    @Test(arguments: [["-S", "-n"], ["-L", "-n"], ["-h"], ["-v"], ["-L", "--timeout"]])
    func aFullDiskIsReported(_ arguments: [String]) throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        #expect(Self.run(arguments, writingTo: full) == ("ipvsadm: write error: No space left on device\n", 1))
        // Unbuffered too: the first failure is the one reported, once.
        #expect(Self.run(arguments, writingTo: full, bufferLimit: 0)
            == ("ipvsadm: write error: No space left on device\n", 1))
    }

    @Test func aClosedPipeIsReportedWhenSIGPIPEIsIgnored() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])
        defer { close(ends[1]) }
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        #expect(Self.run(["-S", "-n"], writingTo: ends[1]) == ("ipvsadm: write error: Broken pipe\n", 1))
    }

    @Test func aFailedCommandKeepsItsStatus() throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        // A restore lists the table, then stops at a usage error (status 2).
        let result = Self.run(["-R"], writingTo: full, stdin: "-L -n\n-A -t 10.0.0.2:80 -w 2\n")
        #expect(result == (
            "Illegal 'weight' option with the 'add-service' command\n"
                + "ipvsadm: write error: No space left on device\n", 2))
    }

    @Test func writingSucceedsWhereItCan() throws {
        let null = open("/dev/null", O_WRONLY)
        try #require(null >= 0)
        defer { close(null) }
        #expect(Self.run(["-S", "-n"], writingTo: null) == ("", 0))
    }
}
