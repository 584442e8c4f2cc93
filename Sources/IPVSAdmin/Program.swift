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
    let program = arguments.first ?? "ipvsadm"
    let output = FileOutput(descriptor: STDOUT_FILENO)
    let errors = FileOutput(descriptor: STDERR_FILENO, bufferLimit: 0)
    // --netns comes first of all: the socket, its family and every /proc read belong to
    // the namespace the thread is in when they are made.
    if let namespace = namespaceArgument(arguments.dropFirst()) {
        do {
            try NetworkNamespace.enter(path: NetworkNamespace.path(of: namespace))
        } catch {
            errors.write("cannot enter network namespace \(namespace): \(String(cString: strerror(error.code)))\n")
            return 2
        }
    }
    let control: IPVSClient
    let info: IPVSInfo
    do {
        control = try IPVSClient()
    } catch {
        errors.write(ErrorMessages.cannotInitialize(ErrorMessages.fallbackInterfaceErrno()))
        return 2
    }
    do {
        info = try control.info()
    } catch {
        errors.write(ErrorMessages.cannotInitialize(error.code))
        return 2
    }
    let session = AdminSession(
        control: control, info: info, program: program, output: output, errors: errors,
        restoreInput: .descriptor(STDIN_FILENO),
        readConnections: { () throws(IPVSError) in try ConnectionTable.read() })
    return session.run(Array(arguments.dropFirst()))
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
