#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Lets one thread end another's blocking `read` of a descriptor that may never have
/// more to give (a terminal, a pipe whose writer waits): the reader polls the
/// descriptor together with a pipe that `cancel()` makes readable. A thread that must
/// be joined can then always be made to end.
package final class ReadCancellation: Sendable {
    private let event: Int32
    private let trigger: Int32

    /// nil if no pipe can be had.
    package init?() {
        var ends: (Int32, Int32) = (-1, -1)
        let status = withUnsafeMutableBytes(of: &ends) { pipe($0.baseAddress!.assumingMemoryBound(to: Int32.self)) }
        guard status == 0 else { return nil }
        _ = fcntl(ends.0, F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends.1, F_SETFD, FD_CLOEXEC)
        (event, trigger) = ends
    }

    deinit {
        close(event)
        close(trigger)
    }

    /// Ends the wait of `waitUntilReadable`, now and from now on (nothing ever reads
    /// the byte written).
    package func cancel() {
        var byte: UInt8 = 1
        while write(trigger, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Waits until `descriptor` has something to read (or its end, or an error, which
    /// the read then reports); false once `cancel()` has been called.
    package func waitUntilReadable(_ descriptor: Int32) -> Bool {
        var descriptors = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: event, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            // A descriptor poll cannot watch (POLLNVAL) is left to read() to report.
            return descriptors[1].revents == 0
        }
    }
}
