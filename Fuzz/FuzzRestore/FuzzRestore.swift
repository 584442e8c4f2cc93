// libFuzzer target: `-R` input, bytes to commands: RestoreInput's line splitting, its
// shortcut for the lines `-S -n` writes (checked against the general parser, which it must
// agree with), and RestoreParser from bytes and from a descriptor (which must agree).
import FuzzSupport
import IPVS
@testable import IPVSAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The program's entry point (see FuzzDriver.h).
@_cdecl("FuzzRestore_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var reader = RestoreInput(Array(bytes))
    var lines = 0
    while reader.nextLine() {
        lines += 1
        guard let shortcut = reader.canonicalCommand() else { continue }
        let general = Result { () throws(CommandLineError) in try CommandLineParser.parse(reader.strings, inputLine: true) }
        precondition(general == .success(shortcut), "restore shortcut \(shortcut) but parser \(general) for \(reader.strings)")
    }
    let fromBytes = collect(RestoreParser(.bytes(Array(bytes))))
    precondition(fromBytes.count == lines)
    if let descriptor = descriptorReading(bytes) {
        defer { close(descriptor) }
        let fromDescriptor = collect(RestoreParser(.descriptor(descriptor)))
        precondition(fromDescriptor == fromBytes, "descriptor and bytes restore disagree")
    }
    return 0
}

/// Every line the parser reads, as results to compare.
private func collect(_ parser: RestoreParser) -> [Result<AdminCommand, CommandLineError>] {
    var lines = parser.start(threaded: false)
    var results: [Result<AdminCommand, CommandLineError>] = []
    while let line = lines.next() {
        switch line {
        case .command(let command): results.append(.success(command))
        case .refused(let error): results.append(.failure(error))
        }
    }
    return results
}
