import CIPVSShim
import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The words ipvsadm 1.31 prints for a failed IPVS operation (libipvs's strerror): the
/// request's own meaning of the errno first, then the generic IPVS meanings, then the C
/// library's strerror. The library reports only the operation and the errno.
enum ErrorMessages {
    static func message(for error: IPVSError) -> String {
        if let specific = specificMessages[error.operation]?[error.code] { return specific }
        if let generic = genericMessages[error.code] { return generic }
        return String(cString: strerror(error.code))
    }

    private static let specificMessages: [IPVSOperation: [Int32: String]] = [
        .addService: [EEXIST: "Service already exists", ENOENT: "Scheduler or persistence engine not found"],
        .editService: [ESRCH: "No such service", ENOENT: "Scheduler or persistence engine not found"],
        .deleteService: [ESRCH: "No such service"],
        .zero: [ESRCH: "No such service"],
        .addDestination: [ESRCH: "Service not defined", EEXIST: "Destination already exists"],
        .editDestination: [ESRCH: "Service not defined", ENOENT: "No such destination"],
        .deleteDestination: [ESRCH: "Service not defined", ENOENT: "No such destination"],
        .startDaemon: [EEXIST: "Daemon has already run"],
        .stopDaemon: [ESRCH: "No daemon is running"],
        .listDestinations: [ESRCH: "No such service"],
        .getService: [ESRCH: "No such service"],
    ]

    // ipvsadm words EOPNOTSUPP for IPv6 whatever the request: its own fallback interface
    // was the one without IPv6.
    private static let genericMessages: [Int32: String] = [
        EPERM: "Permission denied (you must be root)",
        EINVAL: "Invalid operation.  Possibly wrong module version, address not unicast, ...",
        ENOPROTOOPT: "Protocol not available",
        ENOMEM: "Memory allocation problem",
        EOPNOTSUPP: "Operation not supported with IPv6",
        EAFNOSUPPORT: "Operation not supported with specified address family",
        EMSGSIZE: "Module is wrong version",
    ]

    /// What ipvsadm says when it cannot reach IPVS at all, for errno `code`.
    static func cannotInitialize(_ code: Int32) -> String {
        "Can't initialize ipvs: \(message(for: IPVSError(.initialize, code: code)))\n"
            + "Are you sure that IP Virtual Server is built in the kernel or as module?\n"
    }

    /// A write to standard output failed with errno `code` (ipvsadm says nothing, see
    /// README's deviations): the words of coreutils' programs, and the status is then 1.
    static func writeFailed(program: String, _ code: Int32) -> String {
        "\(program): write error: \(String(cString: strerror(code)))\n"
    }

    /// With no IPVS netlink family, ipvsadm falls back to the kernel's old socket-option
    /// interface and reports what that says: EPERM without CAP_NET_RAW, else (with no
    /// IPVS at all) ENOPROTOOPT. Asked the same way here, so the message is the same
    /// (the library's own reason for the failure is not what ipvsadm shows).
    static func fallbackInterfaceErrno() -> Int32 {
        let raw = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
        guard raw >= 0 else { return errno }
        defer { close(raw) }
        var info = ip_vs_getinfo()
        var length = socklen_t(MemoryLayout<ip_vs_getinfo>.size)
        if getsockopt(raw, Int32(IPPROTO_IP), Int32(CIPVS_SO_GET_INFO), &info, &length) == 0 { return ENOPROTOOPT }
        return errno
    }
}
