#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The IPVS operation an error answers: the request sent, or the table read.
public enum IPVSOperation: String, Sendable, Hashable, Codable {
    /// Opening the netlink socket and resolving the IPVS family.
    case initialize
    /// Reading the version and connection table size.
    case getInfo
    /// Adding a virtual service.
    case addService
    /// Changing a virtual service.
    case editService
    /// Removing a virtual service.
    case deleteService
    /// Zeroing counters.
    case zero
    /// Adding a real server.
    case addDestination
    /// Changing a real server.
    case editDestination
    /// Removing a real server.
    case deleteDestination
    /// Starting a sync daemon.
    case startDaemon
    /// Stopping a sync daemon.
    case stopDaemon
    /// Listing the virtual services.
    case listServices
    /// Listing a service's real servers.
    case listDestinations
    /// Reading one virtual service.
    case getService
    /// Setting the timeouts.
    case setTimeouts
    /// Reading the timeouts.
    case getTimeouts
    /// Listing the sync daemons.
    case getDaemons
    /// Removing every virtual service.
    case flush
    /// Reading the connection table, /proc/net/ip_vs_conn.
    case listConnections
    /// Entering a network namespace.
    case enterNamespace
    /// Taking the lock of a namespace's table.
    case lock
}

/// A failed IPVS operation: the operation and the raw errno the kernel (or the socket
/// layer) returned, as swift-system's `Errno` carries it. Programs choose their own
/// words for it; `description` is the C library's.
public struct IPVSError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What was being done.
    public var operation: IPVSOperation
    /// Positive errno value, as in `errno.h`.
    public var code: Int32

    /// An error of `operation` with errno `code`.
    public init(_ operation: IPVSOperation, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// "operation: strerror(code)".
    public var description: String {
        "\(operation.rawValue): \(String(cString: strerror(code)))"
    }
}
