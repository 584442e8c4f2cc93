#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Standard input, output and error, as a process may be started without them.
enum StandardDescriptors {
    /// Opens /dev/null, read-only, on each of descriptors 0, 1 and 2 that is closed.
    /// Otherwise the first descriptor this process opens, the netlink socket, would take
    /// the lowest closed one: `-R <&-` would read the kernel's replies as its rules, and
    /// `>&-` would write the listing into the socket. Read-only keeps what the closed
    /// descriptor gave ipvsadm, which opens its socket per request and closes it again:
    /// reads see the end of input, writes fail with EBADF.
    static func reopenClosed(_ descriptors: [Int32] = [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO]) {
        for descriptor in descriptors where fcntl(descriptor, F_GETFD) < 0 && errno == EBADF {
            let opened = open("/dev/null", O_RDONLY)
            // For 0, 1 and 2 in order open takes this very number; should /dev/null be
            // missing, nothing better can be done.
            if opened >= 0 && opened != descriptor {
                _ = dup2(opened, descriptor)
                close(opened)
            }
        }
    }
}
