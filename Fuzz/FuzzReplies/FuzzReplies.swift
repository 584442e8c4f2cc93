// libFuzzer target: the netlink reply decoders (ReplyDecoding) fed arbitrary attribute
// streams, and what they decode through the list, save and daemon formatters. The first
// byte picks the decoder; the rest is the attribute stream after the generic-netlink
// header, in a heap block of exactly the message's length (so that AddressSanitizer sees
// a read past its end). As from the kernel, nlmsg_len is the message's length.
import CIPVSShim
import CNetlink
import FuzzSupport
@testable import IPVS
@testable import IPVSAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The program's entry point (see FuzzDriver.h).
@_cdecl("FuzzReplies_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let headerSize = MemoryLayout<nlmsghdr>.size + MemoryLayout<genlmsghdr>.size
    let length = headerSize + size - 1
    guard length <= Int(UInt32.max) else { return 0 }
    let message = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 8)
    defer { message.deallocate() }
    let header = message.bindMemory(to: nlmsghdr.self, capacity: 1)
    header.pointee = nlmsghdr(nlmsg_len: UInt32(length), nlmsg_type: 30, nlmsg_flags: 0, nlmsg_seq: 1, nlmsg_pid: 0)
    let selector = data[0] % 6
    let commands = [IPVS_CMD_SET_INFO, IPVS_CMD_SET_CONFIG, IPVS_CMD_NEW_SERVICE, IPVS_CMD_NEW_DEST, IPVS_CMD_NEW_DEST, IPVS_CMD_NEW_DAEMON]
    (message + MemoryLayout<nlmsghdr>.size).storeBytes(
        of: genlmsghdr(cmd: UInt8(commands[Int(selector)]), version: UInt8(IPVS_GENL_VERSION), reserved: 0),
        as: genlmsghdr.self)
    (message + headerSize).copyMemory(from: data + 1, byteCount: size - 1)

    let numeric = ListFormatter(options: [.numeric])
    let everything = ListFormatter(options: [.numeric, .exact, .stats, .tunnelInfo])
    let rates = ListFormatter(options: [.numeric, .rate, .thresholds, .persistentConnections])
    let rules = RuleFormatter(options: [.numeric])
    switch selector {
    case 0:
        if let info = ReplyDecoding.info(header) { _ = ListFormatter.versionLine(info) }
    case 1:
        _ = ReplyDecoding.timeouts(header)
    case 2:
        if let service = ReplyDecoding.service(header) {
            for formatter in [numeric, everything, rates] as [any TableFormatter] + [rules] {
                var out = ByteText()
                formatter.writeServiceLine(service, to: &out)
            }
        }
    case 3, 4:
        let family: AddressFamily = selector == 3 ? .inet : .inet6
        if let destination = ReplyDecoding.destination(header, serviceFamily: family) {
            let key = ServiceKey.firewallMark(1, family: family)
            for formatter in [numeric, everything, rates] as [any TableFormatter] + [rules] {
                var out = ByteText()
                formatter.writeDestinations([destination], of: key, to: &out)
            }
        }
    default:
        if let daemon = ReplyDecoding.daemon(header) { _ = DaemonFormatter.lines([daemon]) }
    }
    return 0
}
