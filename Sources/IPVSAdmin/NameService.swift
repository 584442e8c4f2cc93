import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Number and name conversions done exactly as ipvsadm does them, through the C library
/// (strtol, inet_aton, the hosts and services databases), so that inputs like "0x1f",
/// "127.1" or "http" and outputs without `-n` match the reference.
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
        guard let entry = gethostbyname(name), entry.pointee.h_addrtype == AF_INET,
            entry.pointee.h_length == 4, let list = entry.pointee.h_addr_list, let first = list[0]
        else { return nil }
        return UInt32(bigEndian: UnsafeRawPointer(first).loadUnaligned(as: UInt32.self))
    }

    /// Port of a service name for a protocol (getservbyname).
    static func port(service name: String, protocol proto: IPProtocol) -> UInt16? {
        guard let protocolName = protocolDatabaseName(proto), let entry = getservbyname(name, protocolName) else {
            return nil
        }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port))
    }

    /// Service name of a port (getservbyport), nil when unnamed.
    static func serviceName(port: UInt16, protocol proto: IPProtocol) -> String? {
        guard let protocolName = protocolDatabaseName(proto),
            let entry = getservbyport(Int32(port.bigEndian), protocolName)
        else { return nil }
        return String(cString: entry.pointee.s_name)
    }

    /// Host name of an address (gethostbyaddr), nil when unknown.
    static func hostName(_ address: IPAddress) -> String? {
        let bytes = address.kernelBytes
        let length = address.family == .inet ? 4 : 16
        let entry = bytes.withUnsafeBytes {
            gethostbyaddr($0.baseAddress, socklen_t(length), Int32(address.family.rawValue))
        }
        guard let entry, let name = entry.pointee.h_name else { return nil }
        return String(cString: name)
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
