import CNetlink
import Glibc
import Testing

@testable import IPVS

/// A dump whose answer overruns the socket's receive buffer (ENOBUFS: the kernel dropped
/// part of it) is read again from the start, and fails with ENOBUFS if it keeps
/// overrunning: a listing never shows part of the table as all of it. The kernel's own
/// dumps wait for room rather than overrun (FaultKernelTests shows a dump into the
/// smallest buffer the kernel allows coming whole), so this path is proved here, with
/// reads that fail as the transport reports an overrun.
@Suite("Dump overruns")
struct DumpOverrunTests {
    /// Each read fails with `failures[attempt]` (nil: succeeds, answering its attempt number).
    private static func reads(_ failures: [Int32?]) -> (read: () throws(IPVSError) -> Int, count: () -> Int) {
        var attempt = 0
        let read = { () throws(IPVSError) -> Int in
            defer { attempt += 1 }
            if attempt < failures.count, let code = failures[attempt] { throw IPVSError(.listServices, code: code) }
            return attempt + 1
        }
        return (read, { attempt })
    }

    @Test(arguments: [
        // (failures per attempt, whether a dump, the answer (attempt number) or nil, the errno thrown, attempts made)
        ([nil], true, 1, nil, 1),
        ([ENOBUFS], true, 2, nil, 2),
        ([ENOBUFS, ENOBUFS], true, 3, nil, 3),
        ([ENOBUFS, ENOBUFS, ENOBUFS], true, nil, ENOBUFS, 3),
        ([ENOBUFS, ENOBUFS, ENOBUFS, nil], true, nil, ENOBUFS, 3),
        ([ENOBUFS], false, nil, ENOBUFS, 1),  // not a dump: one answer, nothing to resume
        ([ENOMEM], true, nil, ENOMEM, 1),
        ([EPERM], true, nil, EPERM, 1),
        ([ENOBUFS, EPERM], true, nil, EPERM, 2),
    ] as [([Int32?], Bool, Int?, Int32?, Int)])
    func anOverrunDumpIsReadAgainThenFails(
        _ failures: [Int32?], _ dump: Bool, _ answer: Int?, _ failure: Int32?, _ attempts: Int
    ) {
        let (read, count) = Self.reads(failures)
        do throws(IPVSError) {
            let result = try IPVSClient.wholeDump(dump, read)
            #expect(result == answer)
        } catch {
            #expect(error == IPVSError(.listServices, code: failure ?? 0))
        }
        #expect(count() == attempts)
    }

    /// libnl folds ENOBUFS into NLE_NOMEM; the errno after the call tells it apart, so the
    /// message names the overrun ("No buffer space available"), not a failed allocation.
    @Test(arguments: [
        (Int32(NLE_NOMEM), ENOBUFS, ENOBUFS),
        (Int32(NLE_NOMEM), ENOMEM, ENOMEM),
        (Int32(NLE_NOMEM), 0, ENOMEM),
        (Int32(NLE_PERM), ENOBUFS, EPERM),
        (Int32(NLE_FAILURE), ENOBUFS, EINVAL),
    ] as [(Int32, Int32, Int32)])
    func anOverrunKeepsItsErrno(_ libnl: Int32, _ systemErrno: Int32, _ expected: Int32) {
        #expect(NetlinkTransport.error(fromLibnl: -libnl, .listServices, systemErrno: systemErrno)
            == IPVSError(.listServices, code: expected))
    }
}
