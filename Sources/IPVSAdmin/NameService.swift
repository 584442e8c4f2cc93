import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Number and name conversions done exactly as ipvsadm does them, through the C library
/// (strtol, inet_aton, the hosts and services databases), so that inputs like "0x1f",
/// "127.1" or "http" and outputs without `-n` match the reference. The lookups use the
/// reentrant (_r) calls, which answer the same and are safe on any thread.
enum NameService {
    /// strtol in base 10 accepting the whole string, then a range check; nil otherwise.
    static func integer(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = strictLong(text), range.contains(value) else { return nil }
        return value
    }

    /// strtol in base 10 that must consume the whole, non-empty string without overflow.
    static func strictLong(_ text: String) -> Int? {
        text.withCString { start -> Int? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtol(start, &end, 10)
            guard let end, end != UnsafeMutablePointer(mutating: start), end.pointee == 0, errno != ERANGE else {
                return nil
            }
            return value
        }
    }

    /// C's atoi: leading digits, 0 when there are none.
    static func atoi(_ text: String) -> Int { Int(Glibc.atoi(text)) }

    /// inet_aton's liberal IPv4 forms ("10.1", "0x7f.1", "127.0.0.1").
    static func ipv4(liberal text: String) -> UInt32? {
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    /// IPv4 address of a host name (gethostbyname: hosts file, then DNS), first address only.
    static func ipv4(host name: String) -> UInt32? {
        withHostEntry({ entry, buffer, result, error in
            gethostbyname_r(name, &entry, buffer.baseAddress, buffer.count, &result, &error)
        }) { entry in
            guard entry.h_addrtype == AF_INET, entry.h_length == 4, let list = entry.h_addr_list, let first = list[0]
            else { return nil }
            return UInt32(bigEndian: UnsafeRawPointer(first).loadUnaligned(as: UInt32.self))
        }
    }

    /// Port of a service name for a protocol (getservbyname).
    static func port(service name: String, protocol proto: IPProtocol) -> UInt16? {
        guard let protocolName = protocolDatabaseName(proto) else { return nil }
        return withServiceEntry({ entry, buffer, result in
            getservbyname_r(name, protocolName, &entry, buffer.baseAddress, buffer.count, &result)
        }) { entry in UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.s_port)) }
    }

    /// Service name of a port (getservbyport), nil when unnamed.
    static func serviceName(port: UInt16, protocol proto: IPProtocol) -> String? {
        guard let protocolName = protocolDatabaseName(proto) else { return nil }
        return withServiceEntry({ entry, buffer, result in
            getservbyport_r(Int32(port.bigEndian), protocolName, &entry, buffer.baseAddress, buffer.count, &result)
        }) { entry in String(cString: entry.s_name) }
    }

    /// Host name of an address (gethostbyaddr), nil when unknown.
    static func hostName(_ address: IPAddress) -> String? {
        let bytes = address.kernelBytes
        let length = socklen_t(address.family == .inet ? 4 : 16)
        return withHostEntry({ entry, buffer, result, error in
            bytes.withUnsafeBytes {
                gethostbyaddr_r($0.baseAddress, length, Int32(address.family.rawValue), &entry,
                                buffer.baseAddress, buffer.count, &result, &error)
            }
        }) { entry in entry.h_name.map { String(cString: $0) } }
    }

    // The reentrant lookups: thread-safe, and they fail with ERANGE when the buffer is small.
    private static func withHostEntry<T>(
        _ lookup: (inout hostent, UnsafeMutableBufferPointer<CChar>, inout UnsafeMutablePointer<hostent>?, inout Int32) -> Int32,
        _ read: (hostent) -> T?
    ) -> T? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = hostent()
            var result: UnsafeMutablePointer<hostent>?
            var error: Int32 = 0
            let outcome: T?? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                let status = lookup(&entry, buffer, &result, &error)
                if status == ERANGE { return .none }
                guard status == 0, result != nil else { return .some(nil) }
                return .some(read(entry))
            }
            if let outcome { return outcome }
            size *= 4
        }
        return nil
    }

    private static func withServiceEntry<T>(
        _ lookup: (inout servent, UnsafeMutableBufferPointer<CChar>, inout UnsafeMutablePointer<servent>?) -> Int32,
        _ read: (servent) -> T?
    ) -> T? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = servent()
            var result: UnsafeMutablePointer<servent>?
            let outcome: T?? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                let status = lookup(&entry, buffer, &result)
                if status == ERANGE { return .none }
                guard status == 0, result != nil else { return .some(nil) }
                return .some(read(entry))
            }
            if let outcome { return outcome }
            size *= 4
        }
        return nil
    }

    private static func protocolDatabaseName(_ proto: IPProtocol) -> String? {
        switch proto {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        default: return nil
        }
    }
}
