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
    let program = words.first ?? "ipvsadm"
    let output = FileOutput(descriptor: STDOUT_FILENO)
    let errors = FileOutput(descriptor: STDERR_FILENO, bufferLimit: 0)
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
    return session.run(Array(words.dropFirst()))
}
