import IPVSAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// argv as the kernel gives it: bytes, which need not be UTF-8 (CommandLine.arguments
// would replace such bytes with U+FFFD, and ipvsadm echoes a refused word as it is).
let arguments = (0..<Int(CommandLine.argc)).map { index -> [UInt8] in
    guard let word = CommandLine.unsafeArgv[index] else { return [] }
    return Array(UnsafeRawBufferPointer(start: word, count: strlen(word)))
}
exit(runIPVSAdmin(arguments: arguments))
