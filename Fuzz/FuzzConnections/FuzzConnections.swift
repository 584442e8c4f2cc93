// libFuzzer target: /proc/net/ip_vs_conn text through ConnectionTable's parser, the
// descriptor reader and `-L -c`'s formatter.
import FuzzSupport
import IPVS
@testable import IPVSAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The program's entry point (see FuzzDriver.h).
@_cdecl("FuzzConnections_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parsed = Result { () throws(IPVSError) in try ConnectionTable.parse(Array(bytes)) }
    // Read from a descriptor, the same text gives the same entries.
    if let path = pathReading(bytes) {
        let read = Result { () throws(IPVSError) in try ConnectionTable.read(path: path) }
        precondition(read == parsed, "read and parse disagree")
    }
    if case .success(let connections) = parsed {
        _ = ConnectionFormatter(options: [.numeric]).format(connections)
        _ = ConnectionFormatter(options: [.numeric, .persistentConnections]).format(connections)
    }
    return 0
}
