import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `ipvsadm` program without its process: connects to the kernel, runs one command
/// line (the program name first, as in argv) and returns the exit status. The caller
/// owns the process: `main` reads argv and exits.
public func runIPVSAdmin(_ arguments: [String]) -> Int32 {
    runIPVSAdmin(words: arguments.map { ArgumentText.string($0) })
}

/// The same, for argv as the kernel gives it: words of bytes, not necessarily UTF-8.
/// A refused word is echoed in its own bytes.
public func runIPVSAdmin(arguments: [[UInt8]]) -> Int32 {
    runIPVSAdmin(words: arguments.map { ArgumentText.string($0) })
}

/// `words` in `ArgumentText`'s form.
private func runIPVSAdmin(words: [String]) -> Int32 {
    StandardDescriptors.reopenClosed()  // before any descriptor is opened
    let program = words.first ?? "ipvsadm"
    let output = FileOutput(descriptor: STDOUT_FILENO)
    let errors = FileOutput(descriptor: STDERR_FILENO, bufferLimit: 0)
    // --netns comes first of all: the socket, its family and every /proc read belong to
    // the namespace the thread is in when they are made.
    if let namespace = namespaceArgument(words.dropFirst()) {
        do {
            try NetworkNamespace.enter(path: NetworkNamespace.path(of: namespace))
        } catch {
            errors.write("cannot enter network namespace \(namespace): \(String(cString: strerror(error.code)))\n")
            return 2
        }
    }
    let control: IPVSClient
    let info: IPVSInfo
    switch connect() {
    case .success(let connection):
        (control, info) = connection
    case .failure(let error):
        errors.write(ErrorMessages.cannotInitialize(error.code))
        return 2
    }
    let session = AdminSession(
        control: control, info: info, program: program, output: output, errors: errors,
        restoreInput: .descriptor(STDIN_FILENO),
        readConnections: { () throws(IPVSError) in try ConnectionTable.read() })
    return session.run(Array(words.dropFirst()))
}

/// Opens IPVS as ipvsadm does: where that fails, it has modprobe load `ip_vs` (whose
/// own messages come first) and, if modprobe succeeds, tries once more. The failure's
/// errno is the one ipvsadm reports.
private func connect() -> Result<(IPVSClient, IPVSInfo), IPVSError> {
    func attempt() -> Result<(IPVSClient, IPVSInfo), IPVSError> {
        let control: IPVSClient
        do {
            control = try IPVSClient()
        } catch {
            return .failure(IPVSError(.initialize, code: ErrorMessages.fallbackInterfaceErrno()))
        }
        do {
            return .success((control, try control.info()))
        } catch {
            return .failure(error)
        }
    }
    let first = attempt()
    guard case .failure = first, KernelModule.load("ip_vs") else { return first }
    return attempt()
}

/// Loading a kernel module the way ipvsadm does.
enum KernelModule {
    /// The program ipvsadm runs, by this path (no PATH search).
    static let modprobe = "/sbin/modprobe"

    /// Runs `/sbin/modprobe -- NAME` with this process's environment and standard
    /// streams and waits for it; true when it ran and exited with status 0.
    static func load(_ name: String, modprobe: String = modprobe) -> Bool {
        let arguments = [modprobe, "--", name]
        var argv = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for word in argv { free(word) } }
        var child: pid_t = 0
        guard posix_spawn(&child, modprobe, nil, nil, argv, environ) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { return false }
        }
        // Exited (no signal in the low 7 bits) with status 0.
        return status & 0x7f == 0 && (status >> 8) & 0xff == 0
    }
}

/// The value of `--netns NAME` or `--netns=NAME` (an extension), if given; the parser
/// checks it again in its place.
func namespaceArgument(_ arguments: ArraySlice<String>) -> String? {
    var words = arguments.makeIterator()
    while let word = words.next() {
        if word == "--" { return nil }
        if word == "--netns" { return words.next() }
        if word.hasPrefix("--netns=") { return String(word.dropFirst("--netns=".count)) }
    }
    return nil
}
