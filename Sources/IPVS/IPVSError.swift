#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The IPVS operation an error answers: the request sent, or the table read.
public enum IPVSOperation: String, Sendable, Hashable, Codable {
    /// Opening the netlink socket and resolving the IPVS family.
    case initialize
    case getInfo
    case addService, editService, deleteService, zero
    case addDestination, editDestination, deleteDestination
    case startDaemon, stopDaemon
    case listServices, listDestinations, getService
    case setTimeouts, getTimeouts, getDaemons
    case flush
    /// Reading the connection table, /proc/net/ip_vs_conn.
    case listConnections
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
