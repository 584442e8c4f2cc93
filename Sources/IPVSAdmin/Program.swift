import CIPVSShim
import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `ipvsadm` program: connects to the kernel, runs the command line, exits.
public func main() -> Never {
    let arguments = CommandLine.arguments
    let program = arguments.first ?? "ipvsadm"
    let output = FileOutput(descriptor: STDOUT_FILENO)
    let errors = FileOutput(descriptor: STDERR_FILENO, bufferLimit: 0)
    let control: IPVSClient
    let info: IPVSInfo
    do {
        do {
            control = try IPVSClient()
        } catch {
            throw IPVSError(.initialize, code: errnoWithoutNetlinkFamily())
        }
        info = try control.info()
    } catch {
        errors.write(
            "Can't initialize ipvs: \(error)\nAre you sure that IP Virtual Server is built in the kernel or as module?\n")
        exit(2)
    }
    let session = AdminSession(
        control: control, info: info, program: program, output: output, errors: errors,
        restoreInput: .descriptor(STDIN_FILENO),
        readConnections: {
            let descriptor = open("/proc/net/ip_vs_conn", O_RDONLY)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            return readAll(descriptor: descriptor)
        })
    exit(session.run(Array(arguments.dropFirst())))
}

/// Without the netlink family, ipvsadm falls back to IPVS's old socket-option
/// interface and reports what that says: EPERM without CAP_NET_RAW, else ENOPROTOOPT
/// (the kernel has no IPVS at all). Mirror it.
private func errnoWithoutNetlinkFamily() -> Int32 {
    let raw = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
    guard raw >= 0 else { return errno }
    defer { close(raw) }
    var info = ip_vs_getinfo()
    var length = socklen_t(MemoryLayout<ip_vs_getinfo>.size)
    if getsockopt(raw, Int32(IPPROTO_IP), Int32(CIPVS_SO_GET_INFO), &info, &length) == 0 { return ENOPROTOOPT }
    return errno
}

private func readAll(descriptor: Int32) -> [UInt8] {
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        chunk.withUnsafeBufferPointer { data.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<count])) }
    }
    return data
}
