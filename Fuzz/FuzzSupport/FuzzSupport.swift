// What the fuzz targets share (built only by Scripts/fuzz; see Package.swift).

import FuzzDriver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs libFuzzer with `test` as the target, on the program's arguments.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    ipvs_fuzz_main(argc, argv, test)
}

/// The fuzzer's input as argument words: split at NUL bytes, as argv arrives.
public func fuzzWords(_ data: UnsafePointer<UInt8>, _ size: Int) -> [String] {
    UnsafeBufferPointer(start: data, count: size)
        .split(separator: 0, omittingEmptySubsequences: false)
        .prefix(64)
        .map { String(decoding: $0, as: UTF8.self) }
}

/// A scratch file, created once and unlinked: each input is written into it in turn. In
/// memory (/dev/shm) where there is one: a disk's file system makes each run wait on it.
private let scratchFile: Int32 = {
    for directory in ["/dev/shm", "/tmp"] {
        var template = Array("\(directory)/ipvs-fuzz-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { continue }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }
    preconditionFailure("no scratch file")
}()

/// A path that reads exactly `bytes` (the scratch file, through /proc/self/fd), or nil if
/// they cannot be written.
public func pathReading(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    guard ftruncate(scratchFile, 0) == 0 else { return nil }
    var written = 0
    while written < bytes.count {
        let count = pwrite(scratchFile, bytes.baseAddress! + written, bytes.count - written, off_t(written))
        guard count > 0 else { return nil }
        written += count
    }
    return "/proc/self/fd/\(scratchFile)"
}

/// A descriptor reading exactly `bytes`, to be closed by the caller; nil if none can be had.
public func descriptorReading(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    guard let path = pathReading(bytes) else { return nil }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    return descriptor >= 0 ? descriptor : nil
}

/// Host names resolve without the network while fuzzing: the parsers look names up with
/// gethostbyname_r, and a fuzzer would send thousands of random names a second to DNS
/// (slowly, and not hermetically). This definition in the fuzz executable takes the place
/// of the C library's: "localhost" is 127.0.0.1, every other name is unknown.
@_cdecl("gethostbyname_r")
public func fuzzGethostbynameR(
    _ name: UnsafePointer<CChar>?, _ entry: UnsafeMutablePointer<hostent>?, _ buffer: UnsafeMutablePointer<CChar>?,
    _ length: Int, _ result: UnsafeMutablePointer<UnsafeMutablePointer<hostent>?>?,
    _ error: UnsafeMutablePointer<Int32>?
) -> Int32 {
    result?.pointee = nil
    guard let name, let entry, let buffer, let result, strcmp(name, "localhost") == 0 else {
        error?.pointee = HOST_NOT_FOUND
        return ENOENT
    }
    // The buffer holds: the address list (two pointers), the alias list (one), the address, the name.
    let pointerSize = MemoryLayout<UnsafeMutablePointer<CChar>?>.stride
    guard length >= 3 * pointerSize + 4 + 10 else { return ERANGE }
    let raw = UnsafeMutableRawPointer(buffer)
    let addresses = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: 3)
    let address = (raw + 3 * pointerSize).assumingMemoryBound(to: CChar.self)
    let copy = address + 4
    withUnsafeBytes(of: UInt32(0x7f00_0001).bigEndian) { bytes in
        for index in 0..<4 { address[index] = CChar(bitPattern: bytes[index]) }
    }
    strcpy(copy, "localhost")
    addresses[0] = address
    addresses[1] = nil
    addresses[2] = nil
    entry.pointee = hostent(
        h_name: copy, h_aliases: addresses + 2, h_addrtype: AF_INET, h_length: 4, h_addr_list: addresses)
    result.pointee = entry
    error?.pointee = 0
    return 0
}
