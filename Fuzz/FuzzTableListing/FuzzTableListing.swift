// libFuzzer target: /proc/net/ip_vs text through TableListing's parser, whole and as the
// descriptor reader takes it (a block at a time, entries handed over as they finish).
import FuzzSupport
@testable import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The program's entry point (see FuzzDriver.h).
@_cdecl("FuzzTableListing_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parsed = TableListing.parse(Array(bytes))
    if let path = pathReading(bytes) {
        let read = TableListing.read(path: path)
        precondition(read == parsed, "read and parse disagree")
    }
    return 0
}
