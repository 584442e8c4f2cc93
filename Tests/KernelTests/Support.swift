import Foundation
import IPVS
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Kernel tests run only where IPVS exists: the test VM sets IPVS_KERNEL_TESTS=1.
let kernelAvailable = ProcessInfo.processInfo.environment["IPVS_KERNEL_TESTS"] == "1"

/// The ipvsadm binary under test (the test VM passes the release build).
let ipvsadmBinary: String = ProcessInfo.processInfo.environment["IPVSADM_BINARY"]
    ?? FileManager.default.currentDirectoryPath + "/.build/debug/ipvsadm"

enum NamespaceError: Error {
    case call(String, Int32)
}

// unshare(2) and setns(2) are GNU extensions the Glibc module does not export.
private typealias NamespaceCall = @convention(c) (Int32, Int32) -> Int32
private let cloneNewNet: Int32 = 0x4000_0000

private func libcFunction(_ name: String) -> UnsafeMutableRawPointer? {
    dlsym(nil, name)  // RTLD_DEFAULT
}

/// Runs `body` on this thread inside a brand-new network namespace (so with an empty
/// IPVS table) whose loopback is up, then empties its IPVS table and returns the thread
/// to its namespace. Test bodies are synchronous, so they stay on this thread; child
/// processes inherit it.
///
/// Why empty it: the kernel tears a namespace down later, on a work queue, and its
/// services leave the one hash table all namespaces share only then. Dumps resume by a
/// position that counts every namespace's services, so a test dumping hundreds of
/// services meanwhile would miss or repeat some (a CI run once did). A flush removes them
/// at once, before the next test starts.
func inFreshNetworkNamespace<T>(_ body: () throws -> T) throws -> T {
    typealias Unshare = @convention(c) (Int32) -> Int32
    guard let unsharePointer = libcFunction("unshare") else { throw NamespaceError.call("dlsym", ENOSYS) }
    let unshare = unsafeBitCast(unsharePointer, to: Unshare.self)
    return try returningToThisNamespace {
        guard unshare(cloneNewNet) == 0 else { throw NamespaceError.call("unshare", errno) }
        defer { emptyTheTable() }
        try bringLoopbackUp()
        return try body()
    }
}

/// Runs `body` on this thread in the network namespace `descriptor` refers to, then
/// returns the thread to its own.
func inNetworkNamespace<T>(_ descriptor: Int32, _ body: () throws -> T) throws -> T {
    let setns = try setnsFunction()
    return try returningToThisNamespace {
        guard setns(descriptor, cloneNewNet) == 0 else { throw NamespaceError.call("setns", errno) }
        return try body()
    }
}

/// Runs `body`, which moves this thread to another network namespace, then moves the
/// thread back to the one it is in now.
private func returningToThisNamespace<T>(_ body: () throws -> T) throws -> T {
    let setns = try setnsFunction()
    let original = open("/proc/thread-self/ns/net", O_RDONLY)
    guard original >= 0 else { throw NamespaceError.call("open", errno) }
    defer { close(original) }
    defer { _ = setns(original, cloneNewNet) }
    return try body()
}

private func setnsFunction() throws -> NamespaceCall {
    guard let pointer = libcFunction("setns") else { throw NamespaceError.call("dlsym", ENOSYS) }
    return unsafeBitCast(pointer, to: NamespaceCall.self)
}

/// Flushes this thread's namespace's IPVS table, if the kernel has IPVS at all.
func emptyTheTable() {
    guard let client = try? IPVSClient() else { return }
    do {
        try client.perform(.flush)
    } catch {
        Issue.record("flushing the test namespace's table: \(error)")
    }
}

/// The kernel refuses real servers while lo is down in a new namespace.
private func bringLoopbackUp() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard descriptor >= 0 else { throw NamespaceError.call("socket", errno) }
    defer { close(descriptor) }
    var request = ifreq()
    withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { name in
        for (index, byte) in "lo".utf8.enumerated() { name[index] = byte }
    }
    request.ifr_ifru.ifru_flags = Int16(IFF_UP | IFF_RUNNING)
    guard ioctl(descriptor, UInt(SIOCSIFFLAGS), &request) == 0 else { throw NamespaceError.call("ioctl", errno) }
}

struct CommandResult: Equatable, CustomStringConvertible {
    var status: Int32
    var output: String
    var errors: String
    var description: String { "exit \(status)\n--- stdout\n\(output)--- stderr\n\(errors)" }
}

/// Runs the ipvsadm under test (as argv[0] "ipvsadm", like a PATH lookup) in this thread's namespace.
func ipvsadm(_ arguments: [String], input: String? = nil, asUser user: String? = nil) throws -> CommandResult {
    if let user {
        return try run(
            "/usr/bin/setpriv",
            ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--", ipvsadmBinary] + arguments, input: input)
    }
    return try run(ipvsadmBinary, arguments, input: input)
}

/// The reference ipvsadm, in this thread's namespace.
func reference(_ arguments: [String], input: String? = nil) throws -> CommandResult {
    try run("/usr/sbin/ipvsadm", arguments, input: input)
}

/// Any program in this thread's namespace, with what it wrote and its exit status.
func run(_ path: String, _ arguments: [String], input: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
        errors: String(decoding: errors, as: UTF8.self))
}
