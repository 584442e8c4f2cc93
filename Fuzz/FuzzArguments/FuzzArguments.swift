// libFuzzer target: one command line (words separated by NUL bytes) through the parser.
import FuzzSupport
import IPVSAdmin

/// The program's entry point (see FuzzDriver.h).
@_cdecl("FuzzArguments_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let words = fuzzWords(data, size)
    let first = Result { () throws(CommandLineError) in try CommandLineParser.parse(words) }
    // The parser keeps no state between calls: the same words give the same answer.
    let second = Result { () throws(CommandLineError) in try CommandLineParser.parse(words) }
    precondition(first == second, "parse is not deterministic for \(words)")
    return 0
}
